"""Which model a voice needs, and the errors that say how to get it.

A request that needs a model which is not on this machine is refused with 409
`model_not_downloaded`, naming the model, its size and the three ways to get it (the app, the
CLI, the API; and the folder to copy its files into on a machine without internet). A request
the active provider cannot serve at all is refused with 409 `capability_unavailable`, naming
the provider choice that can (the UI links `settings: provider` to Settings → Provider)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from core.errors import ConflictError
from provider_sdk.models import EngineInfo, ModelInfo

Purpose = Literal["clone", "design", "preset", "speak"]
PURPOSE_BY_VOICE_TYPE: dict[str, Purpose] = {
    "cloned": "clone",
    "designed": "design",
    "preset": "preset",
}
NEEDS: dict[str, str] = {
    "clone": "Voice cloning needs",
    "design": "Voice design needs",
    "preset": "This preset voice needs",
    "speak": "Speaking needs",
}
DOING: dict[str, str] = {
    "clone": "clone voices",
    "design": "design voices",
    "preset": "speak preset voices",
    "speak": "speak",
}
LOCAL_CHOICE = "Choose 'This computer' in Settings → Provider"


class ModelNotDownloaded(ConflictError):
    code = "model_not_downloaded"


class CapabilityUnavailable(ConflictError):
    code = "capability_unavailable"


@dataclass(frozen=True)
class Candidate:
    """A model that can serve a purpose: the provider and engine serving it, and the model."""

    provider_id: str
    engine: EngineInfo
    model: ModelInfo


def short_name(display_name: str) -> str:
    """ "Qwen3-TTS 0.6B (voice cloning)" -> "Qwen3-TTS 0.6B": the message says the purpose."""
    return display_name.split(" (", 1)[0]


def size_text(size_mb: int) -> str:
    """'about 2.5 GB' / 'about 63 MB'."""
    if size_mb >= 1000:
        return f"about {size_mb / 1000:.1f} GB"
    return f"about {size_mb} MB"


def serves(model: ModelInfo, purpose: Purpose, voice: str | None = None) -> bool:
    caps = model.capabilities
    if purpose == "clone":
        return caps.clone
    if purpose == "design":
        return caps.design
    if purpose == "preset":
        return caps.preset and (voice is None or any(v.id == voice for v in model.preset_voices))
    return True


def candidates(
    engines: Iterable[tuple[str, EngineInfo]], purpose: Purpose, voice: str | None = None
) -> list[Candidate]:
    """Every model serving `purpose`, in preference order: per engine (in the providers'
    order), its default model first, then the others in the order it lists them."""
    out: list[Candidate] = []
    for provider_id, info in engines:
        ordered = sorted(info.models, key=lambda m: m.model_size != info.default_model_size)
        out += [Candidate(provider_id, info, m) for m in ordered if serves(m, purpose, voice)]
    return out


def choose(found: list[Candidate]) -> Candidate | None:
    """The first candidate already on disk, else the first one (None when there is none)."""
    on_disk = [c for c in found if c.model.downloaded or not c.model.managed]
    return next(iter(on_disk or found), None)


def model_ref(engine: str, model: ModelInfo, *, downloading: bool = False) -> dict[str, Any]:
    """The contract's ModelRef: what the UI shows for a model a voice would use."""
    return {
        "engine": engine,
        "model_size": model.model_size,
        "display_name": model.display_name,
        "size_mb": model.size_mb,
        "downloaded": model.downloaded or not model.managed,
        "downloading": downloading,
    }


def download_command(engine: str, model_size: str) -> str:
    return f"voicebox models download {engine} {model_size}"


def not_downloaded(engine: str, model: ModelInfo, purpose: Purpose) -> ModelNotDownloaded:
    size = model.model_size
    request = f"/models/tts/{engine}/{size}/download"
    folder = model.local_dir
    copy = f"; or copy its files to {folder}" if folder else ""
    name = f"{short_name(model.display_name)} ({size_text(model.size_mb)})"
    message = (
        f"{NEEDS[purpose]} {name}, which is not on this machine. Download it in the app, "
        f"with `{download_command(engine, size)}`, or with POST {request}{copy}."
    )
    return ModelNotDownloaded(
        message,
        field="model_size",
        extra={
            "model": {
                "engine": engine,
                "model_size": size,
                "display_name": model.display_name,
                "size_mb": model.size_mb,
                "purpose": purpose,
                "download": request,
                "cli": download_command(engine, size),
                "local_dir": folder,
            }
        },
    )


def unavailable_message(provider_kind: str, purpose: Purpose) -> str:
    """Why the active provider cannot serve `purpose`, and the provider choice that can."""
    doing = DOING[purpose]
    if provider_kind == "openai":
        return f"OpenAI's speech API cannot {doing}. {LOCAL_CHOICE} to {doing} on this machine."
    if provider_kind == "remote":
        return (
            f"The remote provider has no model that can {doing}. {LOCAL_CHOICE}, or run a "
            "provider with Qwen3-TTS on the remote machine."
        )
    return (
        f"The provider on this computer has no engine that can {doing}: the Qwen3-TTS engine "
        "is not installed. Install the PyTorch provider in Settings → Provider (or run "
        "`make install-qwen` in a source checkout)."
    )


def unavailable(provider_kind: str, purpose: Purpose) -> CapabilityUnavailable:
    return CapabilityUnavailable(
        unavailable_message(provider_kind, purpose),
        field="provider",
        extra={"settings": "provider"},
    )


def cli_message(error: ModelNotDownloaded) -> str:
    """The same refusal in the command line's words: the command that downloads the model."""
    model = error.extra.get("model") or {}
    if not model:
        return error.message
    size = f"{short_name(model['display_name'])} ({size_text(model['size_mb'])})"
    copy = f", or copy its files to {model['local_dir']}" if model.get("local_dir") else ""
    return (
        f"{NEEDS[model['purpose']]} {size}, which is not on this machine. Download it with "
        f"`{model['cli']}`{copy}."
    )
