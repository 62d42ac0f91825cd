import type { Overview, ProviderRow } from "../../api/providers";

export type OptionId = "auto" | "pytorch-cpu" | "pytorch-cuda" | "mlx" | "remote" | "openai";

export interface ProviderOption {
  id: OptionId;
  title: string;
  description: string;
  recommended?: boolean;
  installs: boolean;
}

export const OPTIONS: ProviderOption[] = [
  { id: "auto", title: "Auto", recommended: true, installs: true,
    description: "Looks at this machine (NVIDIA GPU, Apple Silicon, else CPU) and installs the best provider for it." },
  { id: "pytorch-cpu", title: "PyTorch CPU", installs: true,
    description: "Runs everywhere: preset voices (Piper, Kokoro) and voice cloning (Pocket TTS is quick on a CPU; Qwen3-TTS is better but slow without a GPU)." },
  { id: "pytorch-cuda", title: "PyTorch CUDA", installs: true,
    description: "Fast generation and the best voice cloning (Qwen3-TTS) on an NVIDIA GPU." },
  { id: "mlx", title: "MLX", installs: true,
    description: "Native acceleration on Apple Silicon Macs (M1 and later)." },
  { id: "remote", title: "Remote server", installs: false,
    description: "Use a Voicebox provider on another machine, such as a GPU box you own." },
  { id: "openai", title: "OpenAI", installs: false,
    description: "OpenAI's speech API with your own key. Preset voices only; no cloning." },
];

export interface OptionState {
  entry: ProviderRow | undefined;
  /** null: unknown (e.g. while the list loads). */
  canRun: boolean | null;
  reason: string | null;
  sizeBytes: number | null;
  ready: boolean;
  /** The badge of a ready option: "Installed", or "Ready" (runs from source, or elsewhere). */
  readyLabel: string;
}

const isLocal = (id: string | null | undefined): id is string => Boolean(id) && id !== "remote" && id !== "openai";

/** The local provider Auto stands for on this machine: what Auto runs now when it runs
 * something local, else the release index's recommendation for this machine, else the CPU one. */
export function autoTarget(o: Overview | undefined): string {
  if (o?.active === "auto" && isLocal(o.activeResolved)) return o.activeResolved;
  if (isLocal(o?.recommended?.provider)) return o.recommended.provider;
  return "pytorch-cpu";
}

const READY = new Set(["ready", "busy", "loading", "starting", "installed", "stopped"]);

export function optionState(option: ProviderOption, o: Overview | undefined): OptionState {
  if (!o) return { entry: undefined, canRun: null, reason: null, sizeBytes: null, ready: false, readyLabel: "Ready" };
  if (option.id === "remote" || option.id === "openai") {
    const configured = option.id === "remote" ? Boolean(o.remote?.configured) : Boolean(o.openai?.key_set);
    const where = option.id === "remote" ? "Runs on the server you name." : "Runs on OpenAI's servers.";
    return { entry: undefined, canRun: true, reason: where, sizeBytes: 0, ready: configured, readyLabel: "Set up" };
  }
  const id = option.id === "auto" ? autoTarget(o) : option.id;
  const entry = o.providers.find((p: ProviderRow) => p.id === id);
  const ready = Boolean(entry && (entry.installed || entry.source) && READY.has(entry.state));
  const fromSource = Boolean(entry?.source && !entry.installed);
  const sizeBytes = fromSource ? 0 : entry?.download_bytes ?? null;
  const readyLabel = entry?.installed ? "Installed" : "Ready";
  if (option.id === "auto") {
    // Once what Auto picks is ready, why it would be installed no longer applies.
    const why = ready ? (fromSource ? "runs from the source checkout" : "installed") : (o.autoReason ?? o.recommended?.reason ?? null);
    return { entry, ready, readyLabel, canRun: true, reason: `Picks ${id}${why ? `: ${why}` : ""}`, sizeBytes };
  }
  const support = o.support[id];
  const canRun = entry?.can_run ?? support?.can_run ?? (entry?.compatible === false ? false : null);
  const reason = entry?.reason ?? support?.reason ?? entry?.compatibility ?? null;
  return {
    entry, ready, readyLabel, canRun,
    // The size line says "No download" already.
    reason: sizeBytes === 0 && reason ? reason.replace(/\s*\((nothing|no)\b[^)]*download[^)]*\)/i, "") : reason,
    sizeBytes,
  };
}
