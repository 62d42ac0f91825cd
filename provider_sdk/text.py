"""Text an engine is given: `speakable_text` checks and cleans what a request carries, and
`split_text` splits long text into chunks an engine can speak (sentences first, then
clauses, then words, so no chunk exceeds `max_chars`)."""

from __future__ import annotations

import re
import unicodedata

from provider_sdk.errors import Unprocessable

# C0 and C1 control characters other than tab, line feed and carriage return (and NUL, which
# is refused), and DEL: never meant to be spoken; replaced by a space so words stay apart.
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class NothingToSpeak(Unprocessable):
    """The text has no letter or digit (422, code `validation_error`)."""


def speakable_text(text: str, field: str = "text") -> str:
    """`text` as an engine may receive it, or `Unprocessable` (422) naming `field` and the
    problem.

    Refused: a NUL character (binary data, not text) and unpaired UTF-16 surrogates (text
    that was cut or mis-encoded), and text with nothing to speak (`NothingToSpeak`): no
    letter or digit, only punctuation, symbols, spaces or invisible characters. Other control
    characters are replaced by spaces. Nothing else changes."""
    if (nul := text.find("\0")) >= 0:
        raise Unprocessable(
            f"{field}: contains a NUL character (U+0000) at position {nul}; text must not "
            "carry binary data: remove it"
        )
    if (bad := _SURROGATE.search(text)) is not None:
        raise Unprocessable(
            f"{field}: contains an unpaired UTF-16 surrogate (U+{ord(bad.group()):04X}) at "
            f"position {bad.start()}, which is not valid Unicode; send the text as UTF-8 "
            "or with complete surrogate pairs"
        )
    cleaned = _CONTROLS.sub(" ", text)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
        raise NothingToSpeak(
            f"{field}: has nothing to speak (only punctuation, symbols, spaces or invisible "
            "characters); send some words"
        )
    return cleaned


def transcript_text(text: str | None, field: str = "reference_text") -> str | None:
    """A reference recording's transcript as an engine may receive it: checked like
    `speakable_text`, but one with nothing to speak is no transcript (None)."""
    if text is None:
        return None
    try:
        return speakable_text(text, field).strip() or None
    except NothingToSpeak:
        return None


# Latin sentence ends need a following space ("3.5" is not a sentence end); CJK ones do not.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])\s*|\n{2,}")
_CLAUSE_END = re.compile(r"(?<=[,;:—])\s+|(?<=[，；：])\s*")


def _pack(pieces: list[str], max_chars: int, sep: str) -> list[str]:
    """Greedily join pieces with `sep` while the result stays within `max_chars`."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if len(candidate) <= max_chars:
            current = candidate
        else:
            if current:
                chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_words(text: str, max_chars: int) -> list[str]:
    words = text.split()
    pieces: list[str] = []
    for word in words:
        pieces.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return _pack(pieces, max_chars, " ")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, whitespace-normalized, empty ones dropped."""
    return [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s and s.strip()]


def split_text(text: str, max_chars: int = 300) -> list[str]:
    """Split `text` into chunks of at most `max_chars` characters at the most natural
    boundary available: sentence, then clause, then word."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[str] = []
    for sentence in split_sentences(text):
        if len(sentence) <= max_chars:
            chunks.append(sentence)
            continue
        for clause in _pack(_CLAUSE_END.split(sentence), max_chars, " "):
            if len(clause) <= max_chars:
                chunks.append(clause)
            else:
                chunks.extend(_split_words(clause, max_chars))
    return chunks
