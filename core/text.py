"""Text on its way to a speech engine: control characters removed, invalid characters refused,
and text with nothing to say refused, so no string can break a provider or its stream."""

from __future__ import annotations

import re
import unicodedata

from core.errors import ValidationFailed

_NEWLINES = re.compile(r"\r\n?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 and C1 control characters except tab and newline (NUL breaks engines written in C)."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_controls(value: str, *, field: str) -> str:
    """`value` with control characters removed (tab and newline kept; CR becomes a newline).
    A lone UTF-16 surrogate (which no text encoding can carry) is a 422."""
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise ValidationFailed(
            f"{field} holds an invalid character (a lone surrogate, U+{ord(bad.group()):04X}, "
            f"at position {bad.start()}); send valid Unicode text",
            field=field,
        )
    return _CONTROLS.sub("", _NEWLINES.sub("\n", value))


def speakable(text: str, *, field: str = "text") -> str:
    """The text to send to an engine, stripped of control characters and outer whitespace.
    Empty text, or text without a single letter or digit (only punctuation, symbols or
    invisible characters), is a 422 saying so."""
    cleaned = without_controls(text, field=field).strip()
    if not cleaned:
        raise ValidationFailed(f"{field} is empty; type something to say", field=field)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
        raise ValidationFailed(
            f"{field} has nothing speakable (only punctuation, symbols or invisible "
            "characters); type words to say",
            field=field,
        )
    return cleaned
