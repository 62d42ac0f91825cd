"""The sample sentence a preset voice reads before a profile is made from it."""

from __future__ import annotations

from core.services.presets import SENTENCES, preview_text


def test_the_sample_is_in_the_voice_s_language() -> None:
    assert preview_text("hi") == SENTENCES["hi"]  # Kokoro's Hindi voices
    assert preview_text("en-gb") == SENTENCES["en"]  # British English reads the English one
    assert preview_text("ja") == SENTENCES["ja"]
    assert preview_text("xx") == SENTENCES["en"]  # a language without a sentence: English
