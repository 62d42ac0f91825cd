"""The one place that makes `import qwen_tts` work in our environments.

Upstream problem (qwen-tts 0.1.1): `qwen_tts/__init__.py` imports every tokenizer, and the
25 Hz tokenizer (`core/tokenizer_25hz/vq/speech_vq.py`) runs
`import torchaudio.compliance.kaldi` at import time. The 12 Hz models we serve never call it,
but PyPI's torchaudio wheel is a CUDA build: beside the CPU torch wheel its import fails with
`libc10_cuda.so: cannot open shared object file`, and it would drag a second multi-GB torch in.

Our fix, in two halves:

1. `ci/install-qwen.sh` installs `qwen-tts` with `--no-deps` plus what it really needs
   (transformers, accelerate, librosa, einops, onnxruntime, soundfile) - never torchaudio,
   gradio (only its demo CLI imports it) or sox.
2. `import_qwen_tts()` below registers stand-in `torchaudio` and `sox` modules (each with a
   real `__spec__`, so `importlib.util.find_spec` and transformers' availability checks stay
   sane) before the first `import qwen_tts`, unless a working one is already importable.
   `sox` is the same story: the same 25 Hz file imports it, and the PyPI `sox` package runs
   the `sox` binary at import time and prints a warning when it is missing.
   Any attribute access on a stand-in raises an ImportError that says what happened, so a
   code path that truly needs them (the 25 Hz tokenizer) fails loudly, never silently.

`import qwen_tts` also prints a flash-attn banner on stdout; stdout of a provider process
carries its launch handshake, so the import runs with stdout redirected to stderr.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import logging
import sys
import types
from typing import Any

log = logging.getLogger(__name__)

_STANDIN_MARK = "__voicebox_standin__"


class _StandInModule(types.ModuleType):
    """A module whose every missing attribute raises a clear ImportError."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(
            f"{self.__name__}.{name} is not available: Voicebox installs qwen-tts without "
            "torchaudio (only the 25 Hz tokenizer needs it, and Voicebox serves 12 Hz models). "
            "See providers/engines/qwen_compat.py."
        )


def _standin(name: str, *, package: bool) -> types.ModuleType:
    module = _StandInModule(name)
    spec = importlib.machinery.ModuleSpec(name, loader=None, is_package=package)
    if package:
        spec.submodule_search_locations = []
        module.__path__ = []
    module.__spec__ = spec
    module.__file__ = None
    module.__version__ = "0.0.0+voicebox.standin"  # type: ignore[attr-defined]
    setattr(module, _STANDIN_MARK, True)
    return module


# Packages replaced by a stand-in when they cannot be imported, with the submodules the
# 25 Hz tokenizer imports (False: plain module, True: package).
_STANDINS: dict[str, tuple[tuple[str, bool], ...]] = {
    "torchaudio": (
        ("torchaudio", True),
        ("torchaudio.compliance", True),
        ("torchaudio.compliance.kaldi", False),
    ),
    "sox": (("sox", False),),
}
_PROBES = {"torchaudio": "torchaudio.compliance.kaldi", "sox": None}


def _works(package: str) -> bool:
    existing = sys.modules.get(package)
    if existing is not None:
        return not getattr(existing, _STANDIN_MARK, False)
    probe = _PROBES[package]
    if probe is None or importlib.util.find_spec(package) is None:
        # sox: never import the real one (it spawns the sox binary at import time).
        return False
    try:
        importlib.import_module(probe)
    except Exception as exc:  # a CUDA-only torchaudio wheel raises OSError, others ImportError
        log.info("%s is installed but cannot be imported (%s); using a stand-in", package, exc)
        for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
            del sys.modules[key]
        return False
    return True


def install_standins() -> list[str]:
    """Register the stand-in modules that are needed; returns the packages replaced."""
    replaced: list[str] = []
    for package, modules in _STANDINS.items():
        if _works(package):
            continue
        for name, is_package in modules:
            sys.modules.setdefault(name, _standin(name, package=is_package))
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(sys.modules[parent], child, sys.modules[name])
        replaced.append(package)
    return replaced


def import_qwen_tts() -> Any:
    """Import and return the `qwen_tts` package, applying the workarounds above first."""
    if "qwen_tts" in sys.modules:
        return sys.modules["qwen_tts"]
    replaced = install_standins()
    if replaced:
        log.info("qwen_tts: using stand-ins for %s", ", ".join(replaced))
    with contextlib.redirect_stdout(sys.stderr):
        return importlib.import_module("qwen_tts")
