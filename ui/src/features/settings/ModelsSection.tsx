import { useDescribe } from "../../api/generations";
import { useModelAction, useWhisperModels } from "../../api/settings";
import { ErrorNotice, Skeleton } from "../../components/Feedback";
import { formatMb } from "../../lib/format";
import { useUi } from "../../store/ui";

function WhisperModels() {
  const models = useWhisperModels();
  const action = useModelAction();
  const toast = useUi((s) => s.toast);
  if (models.isPending) return <Skeleton lines={2} />;
  if (models.isError) return <ErrorNotice error={models.error} title="Transcription models" />;
  return (
    <table className="table" aria-label="Transcription models">
      <thead><tr><th scope="col">Whisper model</th><th scope="col">Size</th><th scope="col">State</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
      <tbody>
        {models.data.map((m) => (
          <tr key={m.name}>
            <td>{m.name} {m.active && <span className="badge badge-accent">In use</span>}</td>
            <td className="mono">{formatMb(m.size_mb)}</td>
            <td>{m.packaged ? "Built in" : m.downloaded ? "Downloaded" : "Not downloaded"}</td>
            <td style={{ textAlign: "right" }}>
              {!m.packaged && (
                <button type="button" className={`btn btn-sm ${m.downloaded ? "btn-danger" : ""}`} disabled={action.isPending}
                  onClick={() => action.mutate({ name: m.name, action: m.downloaded ? "delete" : "download" }, { onError: (e) => toast(e.message, "error") })}>
                  {m.downloaded ? "Delete" : "Download"}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TtsModels() {
  const describe = useDescribe();
  if (describe.isPending) return <Skeleton lines={2} />;
  if (describe.isError) return <ErrorNotice error={describe.error} title="Speech models" />;
  const rows = describe.data.engines.flatMap((e) => e.models.map((m) => ({ e, m })));
  return (
    <table className="table" aria-label="Speech models">
      <thead><tr><th scope="col">Engine</th><th scope="col">Model</th><th scope="col">Size</th><th scope="col">Languages</th><th scope="col">State</th></tr></thead>
      <tbody>
        {rows.map(({ e, m }) => (
          <tr key={`${e.name}/${m.model_size}`}>
            <td>{e.display_name}</td>
            <td>{m.display_name}</td>
            <td className="mono">{formatMb(m.size_mb)}</td>
            <td className="faint">{m.languages.join(", ")}</td>
            <td>{m.downloaded ? "Downloaded" : "Downloads on first use"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsSection() {
  return (
    <section className="card" aria-labelledby="models-title">
      <div className="card-head">
        <div>
          <h2 id="models-title">Models</h2>
          <p className="faint">Speech models come from the provider; transcription runs in the core.</p>
        </div>
      </div>
      <div className="card-body stack"><TtsModels /><WhisperModels /></div>
    </section>
  );
}
