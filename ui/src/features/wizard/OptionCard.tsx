import { formatBytes } from "../../lib/format";
import type { OptionState, ProviderOption } from "./catalog";
import type { EngineGuide } from "./engines";

export function OptionCard({
  option,
  state,
  selected,
  onSelect,
  engines = [],
}: {
  option: ProviderOption;
  state: OptionState;
  selected: boolean;
  onSelect: () => void;
  /** The engines it brings (named on the card; the guide below says what each is for). */
  engines?: EngineGuide[];
}) {
  const disabled = state.canRun === false;
  const size = state.sizeBytes === 0 ? "No download" : state.sizeBytes ? `${formatBytes(state.sizeBytes)} download` : "Size unknown";
  return (
    <button
      type="button"
      role="radio"
      aria-checked={selected}
      className="option"
      disabled={disabled}
      onClick={onSelect}
      data-option={option.id}
      aria-describedby={`opt-${option.id}-why`}
    >
      <div className="row-between">
        <strong>{option.title}</strong>
        {option.recommended && <span className="badge badge-accent">Recommended</span>}
        {state.ready && <span className="badge badge-success">{state.readyLabel}</span>}
      </div>
      <span className="muted" style={{ fontSize: 13 }}>{option.description}</span>
      {engines.length > 0 && option.id !== "openai" && <span className="faint" style={{ fontSize: 12 }}>Engines: {engines.map((e) => e.title).join(", ")}</span>}
      <span className="faint">{size}</span>
      <span id={`opt-${option.id}-why`} className="why" style={{ color: disabled ? "var(--danger)" : "var(--text-3)" }}>
        {state.canRun === false
          ? `Can't run here: ${state.reason ?? "not supported on this machine"}`
          : state.canRun === true
            ? (state.reason ? state.reason.charAt(0).toUpperCase() + state.reason.slice(1) : "Can run on this machine")
            : "Whether this machine can run it is not known yet"}
      </span>
    </button>
  );
}
