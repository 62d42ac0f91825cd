import { useState } from "react";
import { useProviderAction, useProviderLog, useProviders, type ProviderRow } from "../../api/providers";
import { ErrorNotice, Skeleton } from "../../components/Feedback";
import { useUi } from "../../store/ui";
import { InstallProgress } from "../wizard/InstallProgress";
import { ProviderPicker } from "../wizard/Wizard";

function stateBadge(state: string): string {
  if (state === "ready" || state === "busy") return "badge-success";
  if (state === "failed") return "badge-danger";
  if (["starting", "loading", "downloading", "verifying"].includes(state)) return "badge-accent";
  return "";
}

function RecentLog({ p }: { p: ProviderRow }) {
  const log = useProviderLog(p.id, true);
  const tail = p.process?.failure?.stderr_tail?.trim();
  const text = log.isError
    ? `Cannot read the log: ${log.error.message}`
    : log.isPending ? "Loading…" : log.data.lines.length ? log.data.lines.join("\n") : "The log is empty: this provider has not run yet.";
  return (
    // A scrollable log must be reachable by keyboard to be read (WCAG: scrollable-region-focusable).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <pre className="log" aria-label={`Recent log lines of ${p.id}`} tabIndex={0}>
      {text}
      {tail && !log.data?.lines.length ? `\n\nLast error output:\n${tail}` : ""}
      {log.data?.path ? `\n\nFull log: ${log.data.path}` : ""}
    </pre>
  );
}

function ProviderRowView({ p, active }: { p: ProviderRow; active: boolean }) {
  const action = useProviderAction();
  const [showLog, setShowLog] = useState(false);
  const [updating, setUpdating] = useState(false);
  const toast = useUi((s) => s.toast);
  const run = (a: "restart" | "stop" | "start") =>
    action.mutate({ id: p.id, action: a }, { onError: (e) => toast(e.message, "error"), onSuccess: () => toast(`${p.id}: ${a} done`, "success") });
  const failure = p.process?.failure;
  const update = typeof p.update_available === "string" ? p.update_available : p.update_available ? p.available_version ?? "available" : null;
  return (
    <li className="stack" style={{ gap: 8, padding: "12px 0", borderBottom: "1px solid var(--border)" }} data-provider={p.id}>
      <div className="row-between">
        <div className="row" style={{ gap: 8 }}>
          <strong>{p.id}</strong>
          {active && <span className="badge badge-accent">Active</span>}
          <span className={`badge badge-cap ${stateBadge(p.state)}`}>{p.state.replace("_", " ")}</span>
          {p.installed_version && <span className="faint">v{p.installed_version}</span>}
          {p.source && <span className="faint">from source</span>}
          {p.can_run === false && <span className="badge badge-danger">Can't run here</span>}
          {update && <span className="badge badge-warning">Update {update}</span>}
        </div>
        <div className="row" style={{ gap: 6 }}>
          {update && <button type="button" className="btn btn-sm" onClick={() => setUpdating(true)} disabled={updating}>Update</button>}
          <button type="button" className="btn btn-sm" onClick={() => run("restart")} disabled={action.isPending} aria-label={`Restart ${p.id}`}>Restart</button>
          <button type="button" className="btn btn-sm btn-ghost" aria-expanded={showLog} onClick={() => setShowLog((s) => !s)}>
            {showLog ? "Hide log" : "Recent log"}
          </button>
        </div>
      </div>
      {(p.error || failure?.message) && <span className="field-error">{p.error ?? failure?.message}</span>}
      {p.can_run === false && p.reason && p.compatible !== false && <span className="field-error">{p.reason}</span>}
      {p.compatible === false && <span className="field-error">Incompatible: {p.compatibility ?? "its spec version is not supported"}. Update it.</span>}
      {updating && <InstallProgress providerId={p.id} update onDone={(ok, msg) => { setUpdating(false); toast(ok ? `${p.id} updated` : msg ?? "Update failed", ok ? "success" : "error"); }} />}
      {showLog && <RecentLog p={p} />}
    </li>
  );
}

export function ProviderSection() {
  const providers = useProviders();
  const [changing, setChanging] = useState(false);
  const o = providers.data;
  return (
    <section className="card" aria-labelledby="provider-title">
      <div className="card-head">
        <div>
          <h2 id="provider-title">Provider</h2>
          <p className="faint">Where speech is generated{o?.active ? ` — chosen: ${o.active}${o.activeResolved && o.activeResolved !== o.active ? ` (${o.activeResolved})` : ""}` : ""}.</p>
        </div>
        <button type="button" className="btn btn-sm" aria-expanded={changing} onClick={() => setChanging((c) => !c)}>
          {changing ? "Close" : "Change provider"}
        </button>
      </div>
      <div className="card-body stack">
        {providers.isPending ? <Skeleton lines={2} /> : providers.isError ? (
          <ErrorNotice error={providers.error} title="Cannot read the providers" onRetry={() => void providers.refetch()} />
        ) : (
          <>
            {o && o.providers.length === 0 ? <p className="muted">No provider is installed.</p> : (
              <ul style={{ listStyle: "none", margin: 0, padding: 0 }}>
                {o?.providers.map((p) => <ProviderRowView key={p.id} p={p} active={p.active ?? p.id === o.activeResolved} />)}
              </ul>
            )}
            {o?.remote?.configured && <p className="muted">Remote server: {o.remote.url} · {o.remote.state}{o.remote.error ? ` — ${o.remote.error}` : ""}</p>}
            {o?.openai?.key_set && <p className="muted">OpenAI key saved · {o.openai.state}{o.openai.error ? ` — ${o.openai.error}` : ""}</p>}
          </>
        )}
        {changing && <ProviderPicker embedded onFinished={() => setChanging(false)} />}
      </div>
    </section>
  );
}
