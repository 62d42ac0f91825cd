"""Audio format names and media types (no heavy imports: safe at start-up)."""

from __future__ import annotations

MEDIA_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "pcm": "audio/pcm",
}
PCM_RATE = 24_000
"""Raw `pcm` is 24 kHz 16-bit mono little-endian, as OpenAI's speech API sends it."""
SPEED_RANGE = (0.25, 4.0)
