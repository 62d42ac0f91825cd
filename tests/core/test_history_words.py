"""Word timings for every completed take, not only those a story uses: a real core on the tone
engine (uvicorn on 127.0.0.1, its own SQLite file) aligns each finished generation in the
background with the packaged Whisper model, and serves the words and captions under
/history/{id}/…; the CLI writes the same captions."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from core.audio.decode import decode
from core.cli import app
from core.services.alignment import spoken_words
from core.services.context import Core
from core.settings import Settings
from core.store.models import GenerationVersion, StoryClip, VersionWords
from provider_sdk.engine import AudioArray, SynthesisRequest
from provider_sdk.errors import ProviderError
from tests.core.tone_core import ToneCore, tone_core
from tests.provider_sdk.tone_engine import RATE as TONE_RATE
from tests.provider_sdk.tone_engine import ToneEngine

DATA = Path(__file__).parent / "data"
TEXT = "Seven bright lanterns glow. Over the quiet harbour [pause 0.3s] at night."


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToneCore]:
    with tone_core(tmp_path_factory.mktemp("words") / "data") as core:
        yield core


@pytest.fixture(scope="module")
def profile(tone: ToneCore) -> int:
    return tone.preset_profile()


def stored_words(where: ToneCore | Engine, generation_id: int) -> list[dict[str, object]] | None:
    """The words stored with the generation's version (read from the SQLite file)."""
    db = where.server.app.state.core.db if isinstance(where, ToneCore) else where
    with Session(db) as session:
        row = session.exec(
            select(VersionWords)
            .join(GenerationVersion, GenerationVersion.id == VersionWords.version_id)  # type: ignore[arg-type]
            .where(GenerationVersion.generation_id == generation_id)
        ).first()
    return None if row is None else list(json.loads(row.words))


def test_a_plain_take_gets_its_words_stored_in_the_background(
    tone: ToneCore, profile: int, tmp_path: Path
) -> None:
    http = tone.server.http
    take = tone.server.wait(tone.generate(profile, TEXT)["id"])
    assert take["status"] == "completed"
    with Session(tone.server.app.state.core.db) as session:  # in no story
        assert (
            session.exec(select(StoryClip).where(StoryClip.generation_id == take["id"])).first()
            is None
        )
    # Nobody asks for the words: the idle-priority worker stores them (a `words` event).
    tone.server.until(
        lambda: stored_words(tone, take["id"]) is not None, timeout=120, what="no words stored"
    )
    stored = stored_words(tone, take["id"])
    said = spoken_words(TEXT)
    assert stored is not None and [w["word"] for w in stored] == said
    assert tone.server.app.state.core.aligner.backlog() == []

    words = http.get(f"/history/{take['id']}/words")
    assert words.status_code == 200 and words.json() == stored
    assert http.get(f"/history/{take['id']}/words", params={"version": 1}).json() == stored
    starts = [float(w["start"]) for w in words.json()]  # type: ignore[arg-type]
    assert (
        starts == sorted(starts) and max(float(w["end"]) for w in stored) <= take["duration"] + 0.05
    )  # type: ignore[arg-type]

    srt = http.get(f"/history/{take['id']}/captions")
    assert srt.status_code == 200 and srt.headers["content-type"].startswith("application/x-subrip")
    assert f'filename="generation-{take["id"]}.srt"' in srt.headers["content-disposition"]
    blocks = srt.text.strip().split("\n\n")
    assert blocks[0].startswith("1\n00:00:") and " --> 00:00:" in blocks[0]
    assert " ".join(b.splitlines()[2] for b in blocks) == " ".join(said)
    assert blocks[0].splitlines()[2] == "Seven bright lanterns glow."  # a cue ends at a sentence
    vtt = http.get(f"/history/{take['id']}/captions", params={"format": "vtt"})
    assert vtt.headers["content-type"].startswith("text/vtt") and vtt.text.startswith("WEBVTT\n\n")

    out = tmp_path / "take.srt"
    data_dir = str(tone.server.data_dir)
    cli = CliRunner().invoke(
        app, ["history", "captions", str(take["id"]), "-o", str(out), "--data-dir", data_dir]
    )
    assert cli.exit_code == 0, cli.output
    assert out.read_text(encoding="utf-8") == srt.text
    as_vtt = tmp_path / "take.txt"
    cli = CliRunner().invoke(
        app,
        [
            "history",
            "captions",
            str(take["id"]),
            "-o",
            str(as_vtt),
            "--format",
            "vtt",
            "--data-dir",
            data_dir,
        ],
    )
    assert cli.exit_code == 0 and as_vtt.read_text(encoding="utf-8") == vtt.text
    unknown = CliRunner().invoke(
        app, ["history", "captions", str(take["id"]), "-o", str(tmp_path / "x.txt")]
    )
    assert unknown.exit_code == 2 and ".srt or .vtt" in unknown.output
    missing = CliRunner().invoke(
        app, ["history", "captions", "999999", "-o", str(out), "--data-dir", data_dir]
    )
    assert missing.exit_code == 1 and "generation 999999 does not exist" in missing.output


def test_words_and_captions_refuse_what_has_no_words(tone: ToneCore, profile: int) -> None:
    http = tone.server.http
    tone.engine.fail_with = ProviderError("the tone broke")
    try:
        failed = tone.server.wait(tone.generate(profile, "This one fails.")["id"])
    finally:
        tone.engine.fail_with = None
    assert failed["status"] == "failed"
    for route in ("words", "captions"):
        refused = http.get(f"/history/{failed['id']}/{route}")
        assert refused.status_code == 409, refused.text
        assert "is failed" in refused.text and "once it has completed" in refused.text
        gone = http.get(f"/history/987654321/{route}")
        assert gone.status_code == 404 and "generation 987654321 does not exist" in gone.text
        for odd in (str(2**63), str(2**64 + 5), "0", "-1", "abc"):
            assert http.get(f"/history/{odd}/{route}").status_code == 422, odd
    take = tone.server.wait(tone.generate(profile, "A short one.")["id"])
    for route in ("words", "captions"):
        no_version = http.get(f"/history/{take['id']}/{route}", params={"version": 7})
        assert no_version.status_code == 404 and "has no version 7" in no_version.text
        for bad in ("0", str(2**63), "x"):
            bad_version = http.get(f"/history/{take['id']}/{route}", params={"version": bad})
            assert bad_version.status_code == 422 and "version" in bad_version.text
    mp3 = http.get(f"/history/{take['id']}/captions", params={"format": "mp3"})
    assert mp3.status_code == 422 and "format" in mp3.text
    # Asked for before the background worker got there: aligned now, and stored once.
    words = http.get(f"/history/{take['id']}/words")
    assert words.status_code == 200 and [w["word"] for w in words.json()] == ["A", "short", "one."]
    assert stored_words(tone, take["id"]) == words.json()


class RecordedSpeech(ToneEngine):
    """The tone engine, except that every take is recorded Piper speech of a known sentence
    whose word starts are known to the sample (tests/core/data/piper_words.*, see
    test_alignment.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.truth = json.loads((DATA / "piper_words.json").read_text())
        self.speech = decode((DATA / "piper_words.flac").read_bytes(), rate=TONE_RATE).samples

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        return self.speech, TONE_RATE


@pytest.mark.slow  # Whisper on real speech: an accuracy check, like test_alignment.py's
def test_a_plain_take_of_real_speech_gets_words_within_150_ms(tmp_path: Path) -> None:
    engine = RecordedSpeech()
    with tone_core(tmp_path / "data", engine) as speech:
        sentence = engine.truth["sentence"]
        take = speech.server.wait(speech.generate(speech.preset_profile(), sentence)["id"])
        assert take["status"] == "completed"
        speech.server.until(
            lambda: stored_words(speech, take["id"]) is not None, timeout=120, what="no words"
        )
        words = stored_words(speech, take["id"])
    assert words is not None and [w["word"] for w in words] == sentence.split()
    truth = [index / engine.truth["rate"] for index in engine.truth["word_starts"]]
    errors = [abs(float(w["start"]) - t) for w, t in zip(words, truth, strict=True)]  # type: ignore[arg-type]
    assert max(errors) <= 0.150, [round(e, 3) for e in errors]


async def until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Wait (yielding to the event loop) until `condition()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.01)


def test_the_worker_waits_for_an_idle_queue_and_stops_with_the_core(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """Two takes made by a tone core, their words removed; a second core on the same data (in
    this process, with no reachable provider) is told they completed while its queue reports
    work: the first take waits until the queue is idle, then gets its words; the second is
    still waiting when the core shuts down, which cancels the worker cleanly."""
    with tone_core(tmp_path / "data") as made:
        profile = made.preset_profile()
        first, second = (
            made.server.wait(made.generate(profile, text)["id"])["id"]
            for text in ("The first take.", "The second take.")
        )
    settings = Settings(
        data_dir=tmp_path / "data", provider_url="http://127.0.0.1:9", provider_token="none"
    )

    async def main() -> None:
        core = Core.open(settings)
        with Session(core.db) as session:
            for row in session.exec(select(VersionWords)):
                session.delete(row)
            session.commit()
        aligner = core.aligner
        aligner.idle_s = 0.05
        busy = [1]
        checks: list[int] = []

        def queue_work() -> int:
            checks.append(busy[0])
            return busy[0]

        aligner.watch(queue_work)
        aligner.completed(first)
        await until(lambda: len(checks) >= 3, "the worker never looked at the queue")
        assert len(aligner.backlog()) == 1 and stored_words(core.db, first) is None
        busy[0] = 0  # the queue is idle: the first take is aligned
        await until(lambda: stored_words(core.db, first) is not None, "no words stored")
        assert [w["word"] for w in stored_words(core.db, first) or []] == spoken_words(
            "The first take."
        )
        busy[0] = 1
        waited = len(checks)
        aligner.completed(second)
        await until(lambda: len(checks) >= waited + 2, "the worker never looked again")
        await core.close()  # the worker is cancelled while it waits
        assert aligner.backlog() == [] and stored_words(core.db, second) is None
        checked = len(checks)
        aligner.completed(second)  # after shutdown: left for on-demand alignment
        await asyncio.sleep(0)
        assert len(checks) == checked and aligner.backlog() == []
        assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left running

    with caplog.at_level(logging.WARNING, logger="asyncio"):
        asyncio.run(main())
    assert not [r for r in caplog.records if r.name == "asyncio"]
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
