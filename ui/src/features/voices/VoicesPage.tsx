import { useProfiles } from "../../api/profiles";
import { EmptyState, ErrorNotice, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useUi } from "../../store/ui";
import { ProfileEditor } from "./ProfileEditor";
import { ProfileList } from "./ProfileList";

export default function VoicesPage() {
  const profiles = useProfiles();
  const selected = useUi((s) => s.selectedProfileId);
  const select = useUi((s) => s.selectProfile);
  const creating = selected === "new";
  const current = profiles.data?.find((p) => String(p.id) === selected) ?? null;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Voices</h1>
          <p>Clone a voice from a few seconds of audio, or pick a preset voice.</p>
        </div>
        <button type="button" className="btn btn-primary" onClick={() => select("new")}>
          <Icon name="plus" /> New voice
        </button>
      </header>
      <div className="split">
        <section className="card" aria-label="Voice profiles">
          {profiles.isPending ? (
            <div className="card-body">
              <Skeleton lines={4} />
            </div>
          ) : profiles.isError ? (
            <div className="card-body">
              <ErrorNotice error={profiles.error} title="Cannot load voices" onRetry={() => void profiles.refetch()} />
            </div>
          ) : profiles.data.length === 0 ? (
            <EmptyState icon="voices" title="No voices yet">
              Create your first voice to start generating speech.
            </EmptyState>
          ) : (
            <ProfileList profiles={profiles.data} selectedId={selected} onSelect={(id) => select(String(id))} />
          )}
        </section>
        <section aria-label="Voice details">
          {creating || current ? (
            <ProfileEditor key={current?.id ?? "new"} profile={current} onSaved={(p) => select(String(p.id))} onDeleted={() => select(null)} />
          ) : (
            <div className="card">
              <EmptyState
                icon="mic"
                title="Select a voice"
                action={
                  <button type="button" className="btn" onClick={() => select("new")}>
                    <Icon name="plus" /> Create a voice
                  </button>
                }
              >
                Choose a voice on the left to edit it and manage its samples.
              </EmptyState>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
