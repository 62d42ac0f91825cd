import { useDeferredValue, useState } from "react";
import { useHistory } from "../../api/generations";
import type { GenerationStatus, HistoryQuery } from "../../api/types";
import { EmptyState, ErrorNotice, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { dateBounds, HistoryFilters, isFiltered, NO_FILTERS, type Filters } from "./HistoryFilters";
import { HistoryTable } from "./HistoryTable";
import { Pagination } from "./Pagination";

export const PAGE_SIZE = 20;

export default function HistoryPage() {
  const [search, setSearch] = useState("");
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [page, setPage] = useState(0);
  const q = useDeferredValue(search.trim());
  const query: HistoryQuery = {
    q: q || undefined,
    profile_id: filters.profileId ? Number(filters.profileId) : undefined,
    status: (filters.status || undefined) as GenerationStatus | undefined,
    engine: filters.engine || undefined,
    ...dateBounds(filters.from, filters.to),
    favourite: filters.favourite || undefined,
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
  };
  const history = useHistory(query);
  const filtered = Boolean(q) || isFiltered(filters);
  const reset = (fn: () => void) => { fn(); setPage(0); };

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>History</h1>
          <p>Everything you generated: search, listen, download, or run again.</p>
        </div>
        {history.data && <span className="badge">{history.data.total.toLocaleString()} total</span>}
      </header>
      <div className="card">
        <div className="card-head" role="search" style={{ flexWrap: "wrap" }}>
          <label className="row grow" style={{ flexWrap: "nowrap", gap: 8, minWidth: 220 }}>
            <span className="sr-only">Search history</span>
            <span style={{ width: 16, color: "var(--text-3)", display: "inline-flex" }}><Icon name="search" /></span>
            <input className="input" type="search" placeholder="Search text…" value={search}
              onChange={(e) => reset(() => setSearch(e.target.value))} />
          </label>
          <HistoryFilters value={filters} onChange={(patch) => reset(() => setFilters((f) => ({ ...f, ...patch })))} />
          {isFiltered(filters) && (
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => reset(() => setFilters(NO_FILTERS))}>Clear filters</button>
          )}
        </div>
        {history.isPending ? (
          <div className="card-body"><Skeleton lines={5} /></div>
        ) : history.isError ? (
          <div className="card-body">
            <ErrorNotice error={history.error} title="Cannot load history" onRetry={() => void history.refetch()} />
          </div>
        ) : history.data.items.length === 0 ? (
          <EmptyState icon={filtered ? "search" : "history"} title={filtered ? "Nothing matches" : "Nothing generated yet"}>
            {filtered ? "Try other words or clear the filters." : "Generated speech appears here."}
          </EmptyState>
        ) : (
          <>
            <HistoryTable items={history.data.items} />
            <Pagination page={page} pageSize={PAGE_SIZE} total={history.data.total} onPage={setPage} busy={history.isFetching} />
          </>
        )}
      </div>
    </div>
  );
}
