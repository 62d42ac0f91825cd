"""Store a CTranslate2 Whisper model's weights as int8, as the core would run them anyway.

The core transcribes on the CPU with `compute_type="int8"`: CTranslate2 then converts the
float16 weights of every linear layer and of the token embeddings (shared with the output
projection) to int8 when it loads the model. Doing that conversion once at build time, with
CTranslate2's own converter code (`ctranslate2.specs`), gives the same numbers: the packaged
tiny.en model shrinks from 75 MB to 39 MB and loads faster, and transcripts, word timestamps
and probabilities stay bit-identical. The encoder's two convolutions stay float16 (the runtime
keeps them in floating point; quantizing them would change the results).

`quantize_whisper(folder)` refuses anything it does not recognise (another spec, another format
version) and keeps the original unless the re-packed model decodes exactly like it: same
encoder output, same tokens and scores for a fixed input. Build time only: the app never
imports this module.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
_KEPT_FLOAT = re.compile(r"^encoder/conv\d+/")
"""Quantizable weights the runtime keeps in floating point: left as they are."""


@dataclass(frozen=True)
class Int8Result:
    changed: bool
    before: int
    after: int
    reason: str


@dataclass
class _ModelBin:
    version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray[Any, Any]]
    aliases: dict[str, str]


def read_model_bin(path: Path) -> _ModelBin:
    """Parse a CTranslate2 `model.bin` (format of ctranslate2/specs/model_spec.py)."""
    data = path.read_bytes()
    pos = 0

    def take(fmt: str) -> int:
        nonlocal pos
        (value,) = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return int(value)

    def text() -> str:
        nonlocal pos
        size = take("H")
        value = data[pos : pos + size - 1].decode("utf-8")
        pos += size
        return value

    version, spec, revision = take("I"), text(), take("I")
    variables: dict[str, np.ndarray[Any, Any]] = {}
    for _ in range(take("I")):
        name = text()
        shape = tuple(take("I") for _ in range(take("B")))
        dtype = np.dtype(_DTYPES[take("B")])
        size = take("I")
        array = np.frombuffer(data, dtype=dtype, count=size // dtype.itemsize, offset=pos)
        variables[name] = array.reshape(shape).copy()
        pos += size
    aliases = {}
    for _ in range(take("I")):
        alias = text()
        aliases[alias] = text()
    if pos != len(data):
        raise ValueError(f"{path}: {len(data) - pos} unexpected bytes after the model")
    return _ModelBin(version, spec, revision, variables, aliases)


def _layer_count(variables: dict[str, Any], side: str) -> int:
    found = [re.match(rf"^{side}/layer_(\d+)/", name) for name in variables]
    return 1 + max(int(m.group(1)) for m in found if m)


def _int8_spec(model: _ModelBin) -> Any:
    """A WhisperSpec holding `model`'s variables, quantized like the int8 converter does."""
    from ctranslate2.specs import model_spec, whisper_spec

    vs = model.variables
    spec = whisper_spec.WhisperSpec(
        _layer_count(vs, "encoder"),
        int(vs["encoder/num_heads"]),
        _layer_count(vs, "decoder"),
        int(vs["decoder/num_heads"]),
    )

    def put(name: str, value: Any) -> None:
        scope, attr = model_spec._parent_scope(name)
        layer = model_spec.index_spec(spec, scope)
        if not hasattr(layer, attr):
            raise ValueError(f"unknown variable {name!r} for WhisperSpec")
        setattr(layer, attr, value)

    for name, value in vs.items():
        put(name, value if value.ndim else value.dtype.type(value))
    for alias, target in model.aliases.items():
        put(alias, vs[target])  # validate() wants every weight set...
    model_spec.LayerSpec.validate(spec)  # (not the vocabulary check: the files stay as they are)
    for alias, target in model.aliases.items():
        put(alias, target)  # ...and the alias back as an alias, as the converter writes it
    spec._quantize("int8", variable_filter=lambda name: not _KEPT_FLOAT.match(name))
    return spec


def _same_decoding(original: Path, repacked: Path) -> bool:
    """Both folders decode a fixed input identically at compute_type int8 on the CPU."""
    import ctranslate2

    rng = np.random.default_rng(5)
    config = read_model_bin(original / "model.bin").variables
    n_mels = int(config["encoder/conv1/weight"].shape[1])
    features = (rng.standard_normal((1, n_mels, 3000)) * 0.5).astype(np.float32)
    start = [[50257, 50362]]  # <|startoftranscript|> <|notimestamps|> (English-only models)
    outputs = []
    for folder in (original, repacked):
        model = ctranslate2.models.Whisper(str(folder), compute_type="int8", intra_threads=2)
        encoded = np.asarray(model.encode(ctranslate2.StorageView.from_array(features)))
        result = model.generate(
            ctranslate2.StorageView.from_array(features),
            start,
            beam_size=1,
            max_length=64,
            return_scores=True,
        )[0]
        outputs.append((encoded, result.sequences_ids, result.scores))
        del model
    (enc_a, ids_a, scores_a), (enc_b, ids_b, scores_b) = outputs
    return bool(np.array_equal(enc_a, enc_b)) and ids_a == ids_b and scores_a == scores_b


def quantize_whisper(folder: Path) -> Int8Result:
    """Re-pack `folder/model.bin` with int8 weights when that changes no result (see above)."""
    from ctranslate2.specs import model_spec

    path = folder / "model.bin"
    before = path.stat().st_size
    model = read_model_bin(path)
    if model.spec != "WhisperSpec" or model.version != model_spec.CURRENT_BINARY_VERSION:
        return Int8Result(False, before, before, f"{model.spec} v{model.version}: not handled")
    quantizable = [
        name
        for name, value in model.variables.items()
        if name.endswith("/weight") and not _KEPT_FLOAT.match(name) and value.dtype != np.int8
    ]
    if not quantizable:
        return Int8Result(False, before, before, "already int8")
    spec = _int8_spec(model)
    staging = folder.parent / f".{folder.name}.int8"
    staging.mkdir(exist_ok=True)
    try:
        for item in folder.iterdir():
            if item.is_file() and item.name != "model.bin":
                (staging / item.name).write_bytes(item.read_bytes())
        spec._serialize(str(staging / "model.bin"))
        if not _same_decoding(folder, staging):
            return Int8Result(False, before, before, "int8 weights would change the results")
        after = (staging / "model.bin").stat().st_size
        os.replace(staging / "model.bin", path)
        return Int8Result(True, before, after, f"{len(quantizable)} weights stored as int8")
    finally:
        for item in staging.iterdir():
            item.unlink()
        staging.rmdir()
