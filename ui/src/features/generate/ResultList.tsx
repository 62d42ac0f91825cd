import { generationAudioUrl, useGeneration, useGenerationAction } from "../../api/generations";
import { FINAL_STATUSES, type Generation } from "../../api/types";
import { DownloadMenu } from "../../components/DownloadMenu";
import { Notice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { StatusBadge } from "../history/StatusBadge";
import { canRetry } from "./engineOptions";
import { AddToStory } from "../stories/AddToStory";
import { TakePlayer } from "./TakePlayer";

function ResultCard({ id, initial, take }: { id: number; initial: Generation | undefined; take: string | null }) {
  // Live: the app's event stream writes each update into this query's cache.
  const q = useGeneration(id);
  const action = useGenerationAction();
  const g = q.data ?? initial;
  if (!g) return null;
  const done = FINAL_STATUSES.includes(g.status);
  return (
    <li className="card card-body stack" style={{ gap: 10 }} data-testid="result" data-status={g.status}>
      <div className="row-between">
        <div className="row" style={{ gap: 8 }}>
          <strong>{g.profile_name}</strong>
          {take && <span className="badge badge-accent">{take}</span>}
          <StatusBadge status={g.status} />
          <span className="faint">{[g.seed !== null && g.seed !== undefined ? `seed ${g.seed}` : null, [g.engine, g.model_size].filter(Boolean).join(" ")].filter(Boolean).join(" · ")}</span>
        </div>
        {!done && (
          <button type="button" className="btn btn-sm" onClick={() => action.mutate({ id: g.id, action: "cancel" })}>
            Cancel
          </button>
        )}
        {g.status === "completed" && g.audio_url && (
          <DownloadMenu href={(f) => generationAudioUrl(g, f)} baseName={`voicebox-${g.id}`} label={`generation ${g.id}`} />
        )}
        {g.status === "completed" && <AddToStory generationId={g.id} />}
      </div>
      <p className="muted clamp">{g.text}</p>
      <TakePlayer g={g} />
      {g.status === "failed" && (
        <Notice kind="error" title="Generation failed"
          action={canRetry(g) ? <button type="button" className="btn btn-sm" onClick={() => action.mutate({ id: g.id, action: "retry" })}><Icon name="retry" /> Retry</button> : undefined}>
          {g.error ?? "No reason was given."}
        </Notice>
      )}
      {g.status === "completed" && g.rtf !== null && (
        <span className="faint">
          {g.duration?.toFixed(1)} s of audio · synthesis {((g.synth_ms ?? 0) / 1000).toFixed(2)} s · RTF {g.rtf.toFixed(2)}
        </span>
      )}
    </li>
  );
}

export function ResultList({ ids, initial, onClear }: { ids: number[]; initial: Generation[]; onClear: () => void }) {
  if (ids.length === 0) return null;
  return (
    <section className="stack" aria-labelledby="results-title">
      <div className="row-between">
        <h2 id="results-title">This session</h2>
        <button type="button" className="btn btn-sm btn-ghost" onClick={onClear}>Clear</button>
      </div>
      <ul className="stack" style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {ids.map((id) => {
          const g = initial.find((x) => x.id === id);
          const group = g?.group_id ? initial.filter((x) => x.group_id === g.group_id).sort((a, b) => a.id - b.id) : [];
          const take = g && group.length > 1 ? `Take ${group.findIndex((x) => x.id === id) + 1}/${group.length}` : null;
          return <ResultCard key={id} id={id} initial={g} take={take} />;
        })}
      </ul>
    </section>
  );
}
