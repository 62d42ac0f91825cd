import { languageList } from "../models/engineFacts";
import type { ProviderOption } from "./catalog";
import type { EngineGuide } from "./engines";

/** What the chosen provider brings: each engine, what it is for, its languages and size. */
export function EngineGuideList({ option, engines }: { option: ProviderOption; engines: EngineGuide[] }) {
  if (option.id === "remote") {
    return <p className="faint" data-testid="engine-guide">The engines are those of the server you connect to; Settings → Voice models lists them once it is connected.</p>;
  }
  if (engines.length === 0) return null;
  return (
    <div className="stack" style={{ gap: 6 }} data-testid="engine-guide">
      <strong style={{ fontSize: 13 }}>{option.title} gives you</strong>
      <ul className="stack" style={{ gap: 6, margin: 0, paddingLeft: 18 }} aria-label={`Engines of ${option.title}`}>
        {engines.map((e) => (
          <li key={e.name} style={{ fontSize: 13 }}>
            <strong>{e.title}</strong>: {e.purpose}
            <div className="faint">{[e.languages.length > 0 ? languageList(e.languages) : "many languages", e.size].join(" · ")}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}
