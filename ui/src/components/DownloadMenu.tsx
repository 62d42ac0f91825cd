import { useEffect, useRef, useState, type CSSProperties } from "react";
import { Icon } from "./Icon";

/** The formats the core encodes a generation to (GET /generations/{id}/audio?format=). */
export const AUDIO_FORMATS = [
  { format: "wav", label: "WAV", hint: "lossless, largest" },
  { format: "flac", label: "FLAC", hint: "lossless, smaller" },
  { format: "mp3", label: "MP3", hint: "plays everywhere" },
  { format: "opus", label: "Opus", hint: "smallest" },
] as const;

export type AudioFormat = (typeof AUDIO_FORMATS)[number]["format"];

/** A Download button that opens the list of formats; each is a plain download link. */
export function DownloadMenu({ href, baseName, label, small = false }: {
  href: (format: AudioFormat) => string;
  /** File name without extension, e.g. "voicebox-12". */
  baseName: string;
  /** Accessible name of what is downloaded, e.g. "generation 12". */
  label: string;
  small?: boolean;
}) {
  const menu = useRef<HTMLDetailsElement>(null);
  // The list is placed against the window (a table that scrolls sideways would clip it).
  const [place, setPlace] = useState<CSSProperties | undefined>(undefined);
  useEffect(() => {
    // A click anywhere else, or a scroll, closes the list.
    const close = (e: Event) => {
      if (menu.current?.open && !menu.current.contains(e.target as Node)) menu.current.open = false;
    };
    document.addEventListener("click", close);
    window.addEventListener("scroll", close, true);
    return () => {
      document.removeEventListener("click", close);
      window.removeEventListener("scroll", close, true);
    };
  }, []);
  const onToggle = () => {
    const r = menu.current?.querySelector("summary")?.getBoundingClientRect();
    setPlace(menu.current?.open && r ? { position: "fixed", top: r.bottom + 4, right: Math.max(8, window.innerWidth - r.right) } : undefined);
  };
  return (
    <details className="menu" ref={menu} onToggle={onToggle}>
      <summary className={`btn btn-sm ${small ? "btn-icon btn-ghost" : ""}`} role="button" aria-label={`Download ${label}`}>
        <Icon name="download" />{small ? null : " Download"}
      </summary>
      <ul className="menu-list" aria-label={`Formats for ${label}`} style={place}>
        {AUDIO_FORMATS.map((f) => (
          <li key={f.format}>
            <a href={href(f.format)} download={`${baseName}.${f.format}`}
              onClick={() => { if (menu.current) menu.current.open = false; }}>
              <b>{f.label}</b> <span className="faint">{f.hint}</span>
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
