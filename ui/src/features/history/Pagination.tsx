export function Pagination({
  page,
  pageSize,
  total,
  onPage,
  busy = false,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (p: number) => void;
  busy?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : page * pageSize + 1;
  const to = Math.min(total, (page + 1) * pageSize);
  return (
    <nav className="card-body row-between" aria-label="Pagination" style={{ borderTop: "1px solid var(--border)" }}>
      <span className="faint" aria-live="polite">
        {from}–{to} of {total.toLocaleString()} {busy && "· updating…"}
      </span>
      <div className="row">
        <button type="button" className="btn btn-sm" disabled={page <= 0} onClick={() => onPage(page - 1)}>Previous</button>
        <span className="faint">Page {page + 1} of {pages}</span>
        <button type="button" className="btn btn-sm" disabled={page >= pages - 1} onClick={() => onPage(page + 1)}>Next</button>
      </div>
    </nav>
  );
}
