"""Dialogue scripts: the parser, and a 6-line, 2-speaker story made with the real Piper
provider (clips in order, the requested pauses measured in the rendered mix, one line
regenerated while the others stay byte-identical)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from core.cli import app as cli_app
from core.services.dialogue import Line, ScriptError, parse_script, speakers
from tests.core.conftest import CoreServer, PiperProvider
from tests.core.test_generation import preset

SCRIPT = """\
Alice: Did you hear the storm last night?
Bob: I slept right through it.
[pause 1.2s]
Alice: The old oak by the gate came down.
Bob: Then we have firewood for the winter.
Alice: Always the practical one.
[pause 0.8s]
Bob: Somebody has to be.
"""
runner = CliRunner()


def test_parse_names_numbers_pauses_and_continuations() -> None:
    lines = parse_script("[1]: Hello [pause 0.2s] there.\n\n[pause 1s]\n[2]: Hi.\nStill me.\n")
    assert lines == [
        Line(1, "1", "Hello [pause 0.2s] there.", None),
        Line(4, "2", "Hi. Still me.", 1.0),
    ]
    assert speakers(parse_script(SCRIPT)) == ["Alice", "Bob"]


@pytest.mark.parametrize(
    ("script", "words"),
    [
        ("no speaker here", "line 1 has no speaker"),
        ("A: fine\nB:   \n", "line 2 (B) has no text"),
        ("A: one\n[pause 1x]\nB: two", "line 2: the pause tag at character 1"),
        ("A: one\nB: <speak>two</speak>", "line 2: the tag at character 1"),
        ("\n\n", "no lines"),
    ],
)
def test_bad_scripts_name_the_line(script: str, words: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(script)
    assert words in caught.value.message


def _loud_span(samples: np.ndarray) -> tuple[int, int]:
    loud = np.flatnonzero(np.abs(samples) > np.abs(samples).max() * 10 ** (-40 / 20))
    return int(loud[0]), int(loud[-1]) + 1


def _wait_laid_out(core: CoreServer, story_id: int, count: int) -> dict:
    story: dict = {}

    def laid_out() -> bool:  # woken by the events (generations, then `story` laid_out)
        story.update(core.http.get(f"/stories/{story_id}").json())
        clips = story["clips"]
        done = len(clips) == count and all(c["status"] == "completed" for c in clips)
        return done and max(c["start"] for c in clips) > 0  # laid out in one commit

    core.until(laid_out, timeout=180, what=f"story {story_id} was not laid out")
    return story


@pytest.mark.slow
def test_dialogue_story_with_piper(core_server: CoreServer) -> None:
    http = core_server.http
    preset(core_server, "Alice voice")
    preset(core_server, "Bob voice")
    bad = http.post(
        "/stories/dialogue", json={"script": SCRIPT, "voices": {"Alice": "Alice voice"}}
    )
    assert bad.status_code == 422 and "'Bob'" in bad.json()["error"]["message"]
    response = http.post(
        "/stories/dialogue",
        json={
            "script": SCRIPT,
            "voices": {"Alice": "Alice voice", "Bob": "Bob voice"},
            "name": "Storm",
            "pause": 0.5,
            "sample_rate": 22050,
        },
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert [t["name"] for t in made["tracks"]] == ["Alice", "Bob"]
    assert len(made["generation_ids"]) == 6
    story = _wait_laid_out(core_server, made["id"], 6)
    clips = sorted(story["clips"], key=lambda c: c["start"])
    assert [c["generation_id"] for c in clips] == made["generation_ids"]  # script order
    alice, bob = (t["id"] for t in story["tracks"])
    assert [c["track_id"] for c in clips] == [alice, bob, alice, bob, alice, bob]
    assert clips[2]["label"] == "The old oak by the gate came down."
    history = http.get("/history", params={"limit": 10}).json()["items"]
    assert {g["source"] for g in history} == {"story"}

    mix_wav = http.get(f"/stories/{made['id']}/audio").content
    mix, rate = sf.read(io.BytesIO(mix_wav), dtype="float32")
    assert rate == 22050
    spans = []
    for clip in clips:
        start = round(clip["start"] * rate)
        length = round((clip["duration"] - clip["trim_start"] - clip["trim_end"]) * rate)
        first, last = _loud_span(mix[start : start + length])
        spans.append((start + first, start + last))
    gaps = [(spans[i + 1][0] - spans[i][1]) / rate for i in range(5)]
    for gap, wanted in zip(gaps, [0.5, 1.2, 0.5, 0.5, 0.8], strict=True):
        assert abs(gap - wanted) <= 0.010, gaps

    # Regenerate line 4: a new take for it; every other line's take is byte-identical.
    before = {c["id"]: http.get(c["audio_url"]).content for c in clips}
    target = clips[3]
    regen = http.post(f"/generations/{target['generation_id']}/regenerate")
    assert regen.status_code == 202
    assert core_server.wait(target["generation_id"])["version_count"] == 2
    after = {c["id"]: http.get(c["audio_url"]).content for c in clips}
    assert all(after[c["id"]] == before[c["id"]] for c in clips if c is not target)
    assert after[target["id"]] != before[target["id"]]
    pinned = http.patch(f"/stories/{made['id']}/clips/{target['id']}", json={"version": 1}).json()
    assert pinned["version"] == 1 and http.get(target["audio_url"]).content == before[target["id"]]


@pytest.mark.slow
def test_cli_story_new_and_export(
    piper: PiperProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEBOX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICEBOX_PROVIDER_URL", piper.url)
    monkeypatch.setenv("VOICEBOX_PROVIDER_TOKEN", piper.token)
    for name in ("Ann", "Ben"):
        made = runner.invoke(
            cli_app,
            [
                "profiles",
                "create",
                name,
                "--voice-type",
                "preset",
                "--preset-engine",
                "piper",
                "--preset-voice",
                "joe",
            ],
        )
        assert made.exit_code == 0, made.output
    script = tmp_path / "chat.txt"
    script.write_text("Alice: Good morning.\nBob: Morning. Coffee?\nAlice: Please.\n")
    missing = runner.invoke(
        cli_app, ["story", "new", "--script", str(script), "--voice", "Alice=Ann"]
    )
    assert missing.exit_code == 1 and "'Bob'" in missing.output
    new = runner.invoke(
        cli_app,
        ["story", "new", "--script", str(script), "--voice", "Alice=Ann", "--voice", "Bob=Ben"],
    )
    assert new.exit_code == 0, new.output
    assert "created story 1 (3 lines)" in new.output
    out, srt = tmp_path / "chat.mp3", tmp_path / "chat.srt"
    done = runner.invoke(cli_app, ["story", "export", "1", "-o", str(out), "--captions", str(srt)])
    assert done.exit_code == 0, done.output
    with av.open(str(out)) as probe:
        assert probe.format.name == "mp3" and probe.duration and probe.duration > 1.5e6
    cues = srt.read_text().split("\n\n")
    assert [c.splitlines()[2] for c in cues if c.strip()] == [
        "Good morning.",
        "Morning. Coffee?",
        "Please.",
    ]
