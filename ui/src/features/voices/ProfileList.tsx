import type { Profile } from "../../api/types";

const COLORS = ["#5b5bd6", "#d6409f", "#2f9e6a", "#c27c0e", "#0b8fb3", "#8e4ec6", "#d93f4c"];

export function avatarColor(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length] ?? "#5b5bd6";
}

export function ProfileList({
  profiles,
  selectedId,
  onSelect,
}: {
  profiles: Profile[];
  selectedId: string | null;
  onSelect: (id: number) => void;
}) {
  return (
    <ul className="list">
      {profiles.map((p) => (
        <li key={p.id}>
          <button
            type="button"
            className="list-item"
            aria-current={String(p.id) === selectedId ? "true" : undefined}
            onClick={() => onSelect(p.id)}
          >
            <span className="avatar" style={{ background: avatarColor(p.name) }} aria-hidden="true">
              {p.name.slice(0, 1).toUpperCase()}
            </span>
            <span className="grow">
              <span style={{ display: "block", fontWeight: 560 }}>{p.name}</span>
              <span className="faint">
                {p.voice_type === "cloned"
                  ? `${p.sample_count ?? 0} sample${p.sample_count === 1 ? "" : "s"}`
                  : p.voice_type === "preset"
                    ? `Preset · ${p.preset_voice ?? ""}`
                    : "Designed"}{" "}
                · {p.language}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
