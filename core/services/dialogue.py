"""Dialogue scripts: `Name: text` lines, or `[1]: text` lines with a speaker map; a line
`[pause 1.5s]` on its own sets the pause before the next line. Blank lines are skipped; a line
without a speaker continues the line before it. Pause tags inside a line stay in its text
(the generation speaks them as silences). Errors name the line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ValidationFailed
from core.services import pauses

MAX_LINES = 500
_SPEAKER = re.compile(r"^\s*(?:\[(\d{1,3})\]|([^\[\]:<>]{1,60}?))\s*:\s*(.*)$")
_ONLY_PAUSE = re.compile(r"^\s*(\[\s*pause\b[^\]]*\]|<\s*break\b[^>]*>)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    number: int
    """1-based line number in the script."""
    speaker: str
    text: str
    pause_before: float | None
    """Seconds of silence before this line when the script sets it, else None (the default)."""


class ScriptError(ValidationFailed):
    code = "invalid_script"


def parse_script(script: str) -> list[Line]:
    lines: list[Line] = []
    pending: float | None = None
    for number, raw in enumerate(script.splitlines(), start=1):
        if not raw.strip():
            continue
        if _ONLY_PAUSE.match(raw):
            try:
                split = pauses.parse(raw.strip() + " .")
            except pauses.PauseTagError as exc:
                raise ScriptError(f"line {number}: {exc.message}", field="script") from None
            pending = (pending or 0.0) + split.pieces[0][1] + split.lead
            continue
        match = _SPEAKER.match(raw)
        if match is None:
            if not lines:
                raise ScriptError(
                    f"line {number} has no speaker; start lines with 'Name: text' or '[1]: text'",
                    field="script",
                )
            last = lines[-1]
            lines[-1] = Line(
                last.number, last.speaker, f"{last.text} {raw.strip()}", last.pause_before
            )
            continue
        speaker = (match.group(1) or match.group(2) or "").strip()
        text = match.group(3).strip()
        if not text:
            raise ScriptError(f"line {number} ({speaker}) has no text", field="script")
        lines.append(Line(number, speaker, text, pending))
        pending = None
    if not lines:
        raise ScriptError("the script has no lines; write 'Name: text' lines", field="script")
    if len(lines) > MAX_LINES:
        raise ScriptError(
            f"the script has {len(lines)} lines; the limit is {MAX_LINES}. Split it",
            field="script",
        )
    for line in lines:
        try:
            pauses.parse(line.text)
        except pauses.PauseTagError as exc:
            raise ScriptError(f"line {line.number}: {exc.message}", field="script") from None
    return lines


def speakers(lines: list[Line]) -> list[str]:
    """Speakers in order of first appearance."""
    return list(dict.fromkeys(line.speaker for line in lines))
