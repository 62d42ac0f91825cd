import { useDescribe } from "../../api/generations";
import { ErrorNotice, Skeleton } from "../../components/Feedback";
import { formatMb } from "../../lib/format";
import { WhisperModels } from "./WhisperModels";

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
      <div className="card-body stack">
        <TtsModels />
        <h3 id="whisper-title">Transcription models</h3>
        <WhisperModels />
      </div>
    </section>
  );
}
