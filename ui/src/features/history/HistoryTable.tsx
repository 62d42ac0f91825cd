import { Fragment, useState } from "react";
import { generationAudioUrl, useDeleteGeneration, useDescribe, useGenerationAction, useSetFavourite } from "../../api/generations";
import type { Generation } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { DownloadMenu } from "../../components/DownloadMenu";
import { Icon } from "../../components/Icon";
import { formatDate, formatDuration } from "../../lib/format";
import { useUi } from "../../store/ui";
import { canRetry, findModel } from "../generate/engineOptions";
import { AddToStory } from "../stories/AddToStory";
import { groupVariations } from "./grouping";
import { StatusBadge } from "./StatusBadge";
import { TakePlayer } from "./TakePlayer";

function RowActions({ g, playing, onPlay, onDelete }: { g: Generation; playing: boolean; onPlay: () => void; onDelete: () => void }) {
  const action = useGenerationAction();
  const fav = useSetFavourite();
  const toast = useUi((s) => s.toast);
  const describe = useDescribe();
  // A model that takes no seed makes a new take, not one "with a new seed".
  const seeded = findModel(describe.data, g.engine, g.model_size)?.model.capabilities.reproducible !== false;
  const run = (a: "retry" | "regenerate") =>
    action.mutate({ id: g.id, action: a }, {
      onSuccess: () => toast(a === "retry" ? (seeded ? "Retrying with the same seed" : "Retrying") : (seeded ? "Regenerating with a new seed" : "Making a new take"), "info"),
      onError: (e) => toast(e.message, "error"),
    });
  const name = `generation ${g.id}`;
  const regenerate = seeded ? `Regenerate ${name} with a new seed` : `Regenerate ${name}`;
  return (
    <div className="row" style={{ gap: 4, flexWrap: "nowrap", justifyContent: "flex-end" }}>
      <button type="button" className="btn btn-sm btn-icon btn-ghost" aria-label={`${g.favourite ? "Remove from" : "Add to"} favourites: ${name}`}
        aria-pressed={g.favourite} onClick={() => fav.mutate({ id: g.id, favourite: !g.favourite }, { onError: (e) => toast(e.message, "error") })}
        style={g.favourite ? { color: "var(--warning)" } : undefined}>
        <Icon name="star" filled={g.favourite} />
      </button>
      {g.status === "completed" && (
        <>
          <button type="button" className="btn btn-sm btn-icon btn-ghost" aria-label={`${playing ? "Hide player for" : "Play"} ${name}`} aria-expanded={playing} onClick={onPlay}>
            <Icon name={playing ? "x" : "play"} filled={!playing} />
          </button>
          <DownloadMenu href={(f) => generationAudioUrl(g, f)} baseName={`voicebox-${g.id}`} label={name} small />
          <AddToStory generationId={g.id} small />
        </>
      )}
      {((g.status === "failed" && canRetry(g)) || g.status === "cancelled") && (
        <button type="button" className="btn btn-sm btn-icon btn-ghost" aria-label={`Retry ${name}`} onClick={() => run("retry")}><Icon name="retry" /></button>
      )}
      {(g.status === "completed" || (g.status === "failed" && canRetry(g)) || g.status === "cancelled") && (
        <button type="button" className="btn btn-sm btn-icon btn-ghost" aria-label={regenerate} title={regenerate} onClick={() => run("regenerate")}><Icon name="dice" /></button>
      )}
      <button type="button" className="btn btn-sm btn-icon btn-ghost btn-danger" aria-label={`Delete ${name}`} onClick={onDelete}><Icon name="trash" /></button>
    </div>
  );
}

/** Where a take was asked for, when it was not this app: the OpenAI-compatible API, the CLI,
 *  an MCP client, Home Assistant (Wyoming) or a story. */
const SOURCES: Record<string, string> = { api: "API", cli: "CLI", mcp: "MCP", wyoming: "Wyoming", story: "Story" };
function sourceLabel(source: string | undefined): string | null {
  return source ? (SOURCES[source] ?? null) : null;
}

export function HistoryTable({ items }: { items: Generation[] }) {
  const [playing, setPlaying] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<Generation | null>(null);
  const del = useDeleteGeneration();
  const toast = useUi((s) => s.toast);
  const rows = groupVariations(items);
  return (
    <div style={{ overflowX: "auto" }}>
      <table className="table" aria-label="Generations">
        <thead>
          <tr>
            <th scope="col">Text</th>
            <th scope="col">Voice</th>
            <th scope="col">Status</th>
            <th scope="col">Length</th>
            <th scope="col">Created</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ gen: g, take, groupSize }) => (
            <Fragment key={g.id}>
              <tr className={take > 0 ? "variation-row" : undefined} data-testid="history-row" data-id={g.id}>
                <td className="text-cell">
                  {groupSize > 1 && <span className="badge badge-accent" style={{ marginRight: 6 }}>Take {take + 1}/{groupSize}</span>}
                  {g.version_count > 1 && <span className="badge" style={{ marginRight: 6 }} title="Regenerated: the newest version plays">v{g.version_count}</span>}
                  <span className="clamp" title={g.text}>{g.text}</span>
                  {g.status === "failed" && g.error && <div className="field-error clamp">{g.error}</div>}
                </td>
                <td>
                  {g.profile_name || <span className="faint">deleted voice</span>}
                  {sourceLabel(g.source) && (
                    <span className="badge" style={{ marginLeft: 6 }} title={`Made through ${sourceLabel(g.source)}`}>
                      {sourceLabel(g.source)}
                    </span>
                  )}
                </td>
                <td><StatusBadge status={g.status} /></td>
                <td className="mono">{formatDuration(g.duration)}</td>
                <td className="faint" style={{ whiteSpace: "nowrap" }}>{formatDate(g.created_at)}</td>
                <td>
                  <RowActions g={g} playing={playing === g.id} onPlay={() => setPlaying(playing === g.id ? null : g.id)} onDelete={() => setDeleting(g)} />
                </td>
              </tr>
              {playing === g.id && (
                <tr>
                  <td colSpan={6}>
                    <TakePlayer g={g} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this generation?"
        message={deleting ? `“${deleting.text.slice(0, 80)}${deleting.text.length > 80 ? "…" : ""}” and its audio are removed for good.` : ""}
        busy={del.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          del.mutate(deleting.id, {
            onSuccess: () => toast("Generation deleted", "success"),
            onError: (e) => toast(e.message, "error"),
            onSettled: () => setDeleting(null),
          });
        }}
      />
    </div>
  );
}
