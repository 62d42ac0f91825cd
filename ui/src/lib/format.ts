export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatMb(mb: number | null | undefined): string {
  return mb === null || mb === undefined ? "—" : formatBytes(mb * 1024 * 1024);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`;
  return `${m}:${String(r).padStart(2, "0")}`;
}

export function formatSpeed(bytesPerSecond: number | null | undefined): string {
  if (!bytesPerSecond || !Number.isFinite(bytesPerSecond)) return "—";
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Time left for a download, in words, or "—" when it cannot be known yet. */
export function formatEta(remainingBytes: number, bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0) || !(remainingBytes >= 0)) return "—";
  const s = remainingBytes / bytesPerSecond;
  if (s < 1) return "less than a second";
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export const LANGUAGES: { code: string; name: string }[] = [
  { code: "en", name: "English" },
  { code: "zh", name: "Chinese" },
  { code: "ja", name: "Japanese" },
  { code: "ko", name: "Korean" },
  { code: "de", name: "German" },
  { code: "fr", name: "French" },
  { code: "es", name: "Spanish" },
  { code: "it", name: "Italian" },
  { code: "pt", name: "Portuguese" },
  { code: "ru", name: "Russian" },
  { code: "hi", name: "Hindi" },
  { code: "en-gb", name: "British English" },
];

const displayNames = typeof Intl !== "undefined" && "DisplayNames" in Intl ? new Intl.DisplayNames(["en"], { type: "language" }) : null;

/** "en" → "English", "en-gb" → "British English", other tags by the browser's own names; an
 * unknown code stays as it is. */
export function languageName(code: string): string {
  const known = LANGUAGES.find((l) => l.code === code)?.name;
  if (known) return known;
  try {
    return displayNames?.of(code) ?? code;
  } catch {
    return code; // not a well-formed language tag
  }
}

/** The profile language a preset voice speaks ("en-us" → "en"), or null when it is none we list. */
export function profileLanguageOf(voiceLanguage: string | null | undefined): string | null {
  if (!voiceLanguage) return null;
  const code = voiceLanguage.toLowerCase().replace("_", "-");
  if (LANGUAGES.some((l) => l.code === code)) return code;
  const base = code.split("-")[0]!;
  return LANGUAGES.some((l) => l.code === base) ? base : null;
}
