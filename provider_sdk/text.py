"""Splitting long text into chunks an engine can speak: sentences first, then clauses,
then words, so no chunk exceeds `max_chars`."""

from __future__ import annotations

import re

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
