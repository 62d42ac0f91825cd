import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { errorMessage } from "../../api/client";
import { useProfiles } from "../../api/profiles";
import { useUi } from "../../store/ui";
import { scriptSpeakers, storyKeys, useCreateDialogue, useDeleteStory, useDuplicateStory, useRenameStory, useStories, useStory, type StoryDetail } from "./api";
import { Timeline } from "./Timeline";
import "./stories.css";

const EXAMPLE = "Alice: Did you hear the storm last night?\nBob: I slept right through it.\n[pause 1s]\nAlice: The old oak came down.";

function NewFromScript({ onMade }: { onMade: (id: number) => void }) {
  const profiles = useProfiles();
  const create = useCreateDialogue();
  const [name, setName] = useState("Dialogue");
  const [script, setScript] = useState("");
  const [pause, setPause] = useState(0.4);
  const [voices, setVoices] = useState<Record<string, string>>({});
  const speakers = scriptSpeakers(script);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const map = Object.fromEntries(speakers.map((s) => [s, voices[s] ?? String(profiles.data?.[0]?.id ?? "")]));
    create.mutate({ name, script, voices: map, pause }, { onSuccess: (made) => onMade(made.id) });
  };
  return (
    <form className="card story-new" onSubmit={submit} aria-label="New story from a script">
      <h2>New story from a script</h2>
      <label className="field">
        <span className="label">Name</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </label>
      <label className="field">
        <span className="label">Script (“Name: text” lines; “[pause 1.5s]” on its own line)</span>
        <textarea className="textarea" rows={6} value={script} placeholder={EXAMPLE} onChange={(e) => setScript(e.target.value)} required />
      </label>
      {speakers.map((speaker) => (
        <label className="field" key={speaker}>
          <span className="label">Voice for {speaker}</span>
          <select className="select" value={voices[speaker] ?? String(profiles.data?.[0]?.id ?? "")} onChange={(e) => setVoices({ ...voices, [speaker]: e.target.value })}>
            {(profiles.data ?? []).map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      ))}
      <label className="field">
        <span className="label">Pause between turns (s)</span>
        <input className="input" type="number" min={0} max={60} step={0.1} value={pause} onChange={(e) => setPause(Number(e.target.value))} />
      </label>
      {create.isError && (
        <p className="field-error" role="alert">
          {errorMessage(create.error)}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={create.isPending || !speakers.length}>
        {create.isPending ? "Creating…" : "Create story"}
      </button>
    </form>
  );
}

/** The open story's name, renamed in place, and a button to make a copy of it. */
function StoryTitle({ story, onOpen }: { story: StoryDetail; onOpen: (id: number | null) => void }) {
  const toast = useUi((s) => s.toast);
  const rename = useRenameStory();
  const duplicate = useDuplicateStory();
  const [draft, setDraft] = useState<string | null>(null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const name = (draft ?? "").trim();
    if (!name || name === story.name) return setDraft(null);
    rename.mutate({ id: story.id, name }, { onSuccess: () => setDraft(null), onError: (err) => toast(errorMessage(err), "error") });
  };
  return (
    <div className="story-title">
      {draft === null ? (
        <h2>{story.name}</h2>
      ) : (
        <form className="story-rename" onSubmit={submit} aria-label="Rename the story">
          <label className="field">
            <span className="label">Story name</span>
            <input className="input" value={draft} onChange={(e) => setDraft(e.target.value)} required maxLength={200} autoFocus />
          </label>
          <button type="submit" className="btn btn-primary" disabled={rename.isPending}>
            Save name
          </button>
          <button type="button" className="btn" onClick={() => setDraft(null)}>
            Cancel
          </button>
        </form>
      )}
      <div className="story-title-actions">
        {draft === null && (
          <button type="button" className="btn" onClick={() => setDraft(story.name)}>
            Rename
          </button>
        )}
        <button
          type="button"
          className="btn"
          disabled={duplicate.isPending}
          onClick={() =>
            duplicate.mutate(story.id, {
              onSuccess: (copy) => {
                onOpen(copy.id);
                toast(`Made ${copy.name}`, "success");
              },
              onError: (err) => toast(errorMessage(err), "error"),
            })
          }
        >
          Duplicate
        </button>
        <button type="button" className="btn" onClick={() => onOpen(null)}>
          New story
        </button>
      </div>
    </div>
  );
}

export default function StoriesPage() {
  const stories = useStories();
  const qc = useQueryClient();
  const toast = useUi((s) => s.toast);
  const [openId, setOpenId] = useState<number | null>(null);
  const story = useStory(openId);
  const remove = useDeleteStory();
  const refresh = () => qc.invalidateQueries({ queryKey: storyKeys.all });
  return (
    <div className="page">
      <header className="page-head">
        <h1>Stories</h1>
      </header>
      <div className="story-layout">
        <aside className="card story-list" aria-label="Stories">
          <h2>Your stories</h2>
          {stories.data?.length === 0 && <p>No stories yet.</p>}
          <ul>
            {(stories.data ?? []).map((s) => (
              <li key={s.id}>
                <button type="button" className="nav-item" aria-current={openId === s.id ? "true" : undefined} onClick={() => setOpenId(s.id)}>
                  {s.name}
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  aria-label={`Delete ${s.name}`}
                  onClick={() =>
                    remove.mutate(s.id, {
                      onSuccess: () => {
                        if (openId === s.id) setOpenId(null);
                        toast(`Deleted ${s.name}; its takes stay in History`, "success");
                      },
                    })
                  }
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </aside>
        <div className="story-main">
          {openId === null && <NewFromScript onMade={setOpenId} />}
          {openId !== null && story.data && (
            <>
              <StoryTitle story={story.data} onOpen={setOpenId} />
              <Timeline key={story.data.id} story={story.data} onChanged={refresh} />
            </>
          )}
        </div>
      </div>
    </div>
  );
}
