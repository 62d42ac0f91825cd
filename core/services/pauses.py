"""Pauses inside generation text: `[pause 1.5s]` (or `[pause 700ms]`) and SSML's
`<break time="1500ms"/>`. The text is spoken piece by piece and the pieces are joined with
exactly that much silence (each piece's own leading and trailing silence is trimmed first, so
the gap heard is the gap asked for). A malformed tag, or any other SSML tag, is a 422 that
names the character position; nothing is half-applied."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import ValidationFailed

if TYPE_CHECKING:
    from core.audio.decode import Samples
    from core.tts.base import TTSProvider
    from provider_sdk.models import GenerateRequest

MAX_PAUSE_S = 60.0
EDGE_DB_BELOW_PEAK = 40.0
_DURATION = r"(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?"
_PAUSE = re.compile(r"\[\s*pause\s+" + _DURATION + r"\s*\]", re.IGNORECASE)
_BREAK = re.compile(
    r"<\s*break\s+time\s*=\s*(['\"])\s*" + _DURATION + r"\s*\1\s*/\s*>", re.IGNORECASE
)
_OPENERS = re.compile(r"\[\s*pause\b|</?[A-Za-z][^<>]*>", re.IGNORECASE)
"""Where a tag starts: `[pause`, or anything shaped like an XML tag (`<name …>`, `</name>`)."""
HELP = 'write pauses as [pause 1.5s], [pause 500ms] or <break time="1500ms"/>'


@dataclass(frozen=True)
class Pieces:
    """Text split at its pauses: silence before the first piece, then (text, silence after)."""

    lead: float
    pieces: list[tuple[str, float]]


class PauseTagError(ValidationFailed):
    code = "invalid_pause"


def has_pauses(text: str) -> bool:
    return _OPENERS.search(text) is not None


def _seconds(number: str, unit: str | None, position: int) -> float:
    seconds = float(number) / (1000.0 if (unit or "s").lower() == "ms" else 1.0)
    if seconds > MAX_PAUSE_S:
        raise PauseTagError(
            f"the pause at character {position} is {seconds:g} s; pauses can be at most "
            f"{MAX_PAUSE_S:g} s",
            field="text",
        )
    return seconds


def parse(text: str) -> Pieces:
    """Split `text` at its pause tags; PauseTagError (422) naming the position of a bad tag."""
    lead = 0.0
    pieces: list[tuple[str, float]] = []
    cursor = 0
    for opener in _OPENERS.finditer(text):
        if opener.start() < cursor:
            continue
        position = opener.start() + 1
        match = _PAUSE.match(text, opener.start()) or _BREAK.match(text, opener.start())
        if match is None:
            snippet = text[opener.start() : opener.start() + 24]
            kind = "pause tag" if snippet.startswith("[") else "tag"
            raise PauseTagError(
                f"the {kind} at character {position} ({snippet!r}) is not understood; "
                f"{HELP}. Other SSML is not supported: remove it",
                field="text",
            )
        number, unit = (match.group(1), match.group(2)) if match.re is _PAUSE else match.group(2, 3)
        seconds = _seconds(number, unit, position)
        spoken = text[cursor : opener.start()].strip()
        if spoken:
            pieces.append((spoken, seconds))
        elif pieces:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + seconds)
        else:
            lead += seconds
        cursor = match.end()
    rest = text[cursor:].strip()
    if rest:
        pieces.append((rest, 0.0))
    if not pieces:
        raise PauseTagError("the text holds only pauses; add words to say", field="text")
    return Pieces(lead, pieces)


def loud_span(samples: Samples) -> tuple[int, int]:
    """[first, last) of the samples louder than 40 dB below the peak ((0, 0) when silent)."""
    import numpy as np

    level = np.abs(samples)
    if samples.size == 0 or float(level.max()) == 0.0:
        return 0, 0
    loud = np.flatnonzero(level > level.max() * 10 ** (-EDGE_DB_BELOW_PEAK / 20))
    return int(loud[0]), int(loud[-1]) + 1


def trim_edges(samples: Samples) -> Samples:
    """Drop leading and trailing samples more than 40 dB below the piece's peak."""
    first, last = loud_span(samples)
    return samples[first:last]


async def synthesize(provider: TTSProvider, request: GenerateRequest) -> bytes:
    """Speak each piece of `request.text` and join them with exact silences (a WAV)."""
    import numpy as np
    import soundfile as sf

    from core.audio.encode import wav_bytes

    split = parse(request.text)
    parts: list[Samples] = []
    rate = 0
    silences = [split.lead]
    for text, after in split.pieces:
        wav = (await provider.generate(request.model_copy(update={"text": text}))).wav
        data, piece_rate = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
        if rate and piece_rate != rate:
            raise ValidationFailed("the engine changed its sample rate between pieces")
        rate = int(piece_rate)
        parts.append(trim_edges(data.mean(axis=1).astype(np.float32)))
        silences.append(after)
    out = [np.zeros(round(silences[0] * rate), np.float32)]
    for part, after in zip(parts, silences[1:], strict=True):
        out += [part, np.zeros(round(after * rate), np.float32)]
    return wav_bytes(np.concatenate(out), rate)
