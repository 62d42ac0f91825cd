import { factParts, type ModelFacts } from "./engineFacts";

/** One model in short: what its engine is for, then languages · size · speed here. */
export function EngineFacts({ facts, title, testId }: { facts: ModelFacts; title?: string; testId?: string }) {
  return (
    <div className="faint" style={{ fontSize: 13, lineHeight: 1.45 }} data-testid={testId}>
      {(title || facts.description) && (
        <div>
          {title && <strong style={{ color: "var(--text-2)" }}>{title}{facts.description ? ": " : ""}</strong>}
          {facts.description}
        </div>
      )}
      <div>{factParts(facts).join(" · ")}</div>
    </div>
  );
}
