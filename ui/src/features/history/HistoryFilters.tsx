import { useHistoryStats } from "../../api/generations";
import { useProfiles } from "../../api/profiles";
import type { GenerationStatus } from "../../api/types";

const STATUSES: GenerationStatus[] = ["completed", "failed", "queued", "generating", "cancelled"];

export interface Filters {
  profileId: string;
  status: string;
  engine: string;
  /** yyyy-mm-dd (local days, both inclusive) or "". */
  from: string;
  to: string;
  favourite: boolean;
}

export const NO_FILTERS: Filters = { profileId: "", status: "", engine: "", from: "", to: "", favourite: false };

/** Local calendar days to the core's UTC bounds: from 00:00 of `from` to the end of `to`. */
export function dateBounds(from: string, to: string): { since?: string; until?: string } {
  const day = (s: string, time: string) => {
    const d = new Date(`${s}T${time}`);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  };
  return { since: from ? day(from, "00:00:00") : undefined, until: to ? day(to, "23:59:59.999") : undefined };
}

export function isFiltered(f: Filters): boolean {
  return Boolean(f.profileId || f.status || f.engine || f.from || f.to || f.favourite);
}

/** Voice, status, engine, date range and favourites; engines are those found in history. */
export function HistoryFilters({ value, onChange }: { value: Filters; onChange: (patch: Partial<Filters>) => void }) {
  const profiles = useProfiles();
  const stats = useHistoryStats();
  const engines = Object.keys(stats.data?.by_engine ?? {}).sort();
  const badRange = Boolean(value.from && value.to && value.from > value.to);
  return (
    <>
      <label className="sr-only" htmlFor="hist-voice">Filter by voice</label>
      <select id="hist-voice" className="select" style={{ width: 160 }} value={value.profileId} onChange={(e) => onChange({ profileId: e.target.value })}>
        <option value="">All voices</option>
        {profiles.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
      <label className="sr-only" htmlFor="hist-status">Filter by status</label>
      <select id="hist-status" className="select" style={{ width: 130 }} value={value.status} onChange={(e) => onChange({ status: e.target.value })}>
        <option value="">Any status</option>
        {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
      <label className="sr-only" htmlFor="hist-engine">Filter by engine</label>
      <select id="hist-engine" className="select" style={{ width: 130 }} value={value.engine} onChange={(e) => onChange({ engine: e.target.value })}>
        <option value="">Any engine</option>
        {engines.map((e) => <option key={e} value={e}>{e}</option>)}
      </select>
      <label className="row" style={{ gap: 4, flexWrap: "nowrap" }}>
        <span className="faint">From</span>
        <input className="input" type="date" style={{ width: 150 }} value={value.from} max={value.to || undefined}
          aria-invalid={badRange || undefined} onChange={(e) => onChange({ from: e.target.value })} />
      </label>
      <label className="row" style={{ gap: 4, flexWrap: "nowrap" }}>
        <span className="faint">To</span>
        <input className="input" type="date" style={{ width: 150 }} value={value.to} min={value.from || undefined}
          aria-invalid={badRange || undefined} onChange={(e) => onChange({ to: e.target.value })} />
      </label>
      <label className="check">
        <input type="checkbox" checked={value.favourite} onChange={(e) => onChange({ favourite: e.target.checked })} />
        Favourites
      </label>
    </>
  );
}
