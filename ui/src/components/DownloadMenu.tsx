import { useEffect, useRef } from "react";
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
  useEffect(() => {
    // A click anywhere else closes the list.
    const close = (e: MouseEvent) => {
      if (menu.current?.open && !menu.current.contains(e.target as Node)) menu.current.open = false;
    };
    document.addEventListener("click", close);
    return () => document.removeEventListener("click", close);
  }, []);
  return (
    <details className="menu" ref={menu}>
      <summary className={`btn btn-sm ${small ? "btn-icon btn-ghost" : ""}`} role="button" aria-label={`Download ${label}`}>
        <Icon name="download" />{small ? null : " Download"}
      </summary>
      <ul className="menu-list" aria-label={`Formats for ${label}`}>
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
