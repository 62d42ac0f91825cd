import { useSamples } from "../../api/profiles";
import type { Profile } from "../../api/types";
import { EmptyState, ErrorNotice, Skeleton } from "../../components/Feedback";
import { SampleAdder } from "./SampleAdder";
import { SampleCard } from "./SampleCard";

export function SamplesPanel({ profile }: { profile: Profile }) {
  const samples = useSamples(profile.id);
  const total = samples.data?.reduce((s, x) => s + x.duration, 0) ?? 0;
  return (
    <section className="card" aria-labelledby="samples-title">
      <div className="card-head">
        <div>
          <h2 id="samples-title">Samples</h2>
          <p className="faint">2–30 s of clear speech each; the transcript must match what is said.</p>
        </div>
        {samples.data && samples.data.length > 0 && (
          <span className="badge" style={{ textTransform: "none" }}>
            {samples.data.length} · {total.toFixed(1)} s
          </span>
        )}
      </div>
      <div className="card-body stack">
        {samples.isPending ? (
          <Skeleton lines={2} />
        ) : samples.isError ? (
          <ErrorNotice error={samples.error} title="Cannot load samples" onRetry={() => void samples.refetch()} />
        ) : samples.data.length === 0 ? (
          <EmptyState icon="wave" title="No samples yet">
            Drop an audio file below or record one with your microphone.
          </EmptyState>
        ) : (
          <ul className="stack" style={{ listStyle: "none", margin: 0, padding: 0 }} aria-label="Samples">
            {samples.data.map((s, i) => (
              <li key={s.id}>
                <SampleCard profileId={profile.id} sample={s} index={i + 1} />
              </li>
            ))}
          </ul>
        )}
        <SampleAdder profileId={profile.id} />
      </div>
    </section>
  );
}
