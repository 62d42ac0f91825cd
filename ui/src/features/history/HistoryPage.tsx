import { useDeferredValue, useState } from "react";
import { useHistory } from "../../api/generations";
import { useProfiles } from "../../api/profiles";
import type { GenerationStatus, HistoryQuery } from "../../api/types";
import { EmptyState, ErrorNotice, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { HistoryTable } from "./HistoryTable";
import { Pagination } from "./Pagination";

export const PAGE_SIZE = 20;
const STATUSES: GenerationStatus[] = ["completed", "failed", "queued", "generating", "cancelled"];

export default function HistoryPage() {
  const [search, setSearch] = useState("");
  const [profileId, setProfileId] = useState("");
  const [status, setStatus] = useState("");
  const [favourite, setFavourite] = useState(false);
  const [page, setPage] = useState(0);
  const q = useDeferredValue(search.trim());
  const profiles = useProfiles();
  const query: HistoryQuery = {
    q: q || undefined,
    profile_id: profileId ? Number(profileId) : undefined,
    status: (status || undefined) as GenerationStatus | undefined,
    favourite: favourite || undefined,
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
  };
  const history = useHistory(query);
  const filtered = Boolean(q || profileId || status || favourite);
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
        <div className="card-head" role="search">
          <label className="row grow" style={{ flexWrap: "nowrap", gap: 8 }}>
            <span className="sr-only">Search history</span>
            <span style={{ width: 16, color: "var(--text-3)", display: "inline-flex" }}><Icon name="search" /></span>
            <input className="input" type="search" placeholder="Search text…" value={search}
              onChange={(e) => reset(() => setSearch(e.target.value))} />
          </label>
          <label className="sr-only" htmlFor="hist-voice">Filter by voice</label>
          <select id="hist-voice" className="select" style={{ width: 170 }} value={profileId} onChange={(e) => reset(() => setProfileId(e.target.value))}>
            <option value="">All voices</option>
            {profiles.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
          <label className="sr-only" htmlFor="hist-status">Filter by status</label>
          <select id="hist-status" className="select" style={{ width: 140 }} value={status} onChange={(e) => reset(() => setStatus(e.target.value))}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
          <label className="check">
            <input type="checkbox" checked={favourite} onChange={(e) => reset(() => setFavourite(e.target.checked))} />
            Favourites
          </label>
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
