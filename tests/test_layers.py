"""Arrows point down the layers (docs/architecture.md): ui -> core -> (provider_sdk, installer);
providers -> provider_sdk. core and providers never import each other, and the core never
imports torch, transformers or mlx."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {
    "torch",
    "torchaudio",
    "transformers",
    "mlx",
    "mlx_audio",
    "qwen_tts",
    "piper",
    "onnxruntime",
    "accelerate",
}
FORBIDDEN = {
    "provider_sdk": {"core", "providers", "installer"} | HEAVY,
    "installer": {"core", "providers"} | HEAVY,
    "core": {"providers"} | HEAVY,
    "providers": {"core", "installer"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import torch.nn\nfrom core.app import x\nfrom . import y\n")
    assert imported_roots(sample) == {"torch", "core"}
