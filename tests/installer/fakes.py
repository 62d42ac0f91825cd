"""Small fake provider builds (a real executable script) and archive helpers for the tests.

A fake build mirrors a real one: `<name>/<name>` is an executable answering `--version --json`,
reading a release-stamped version from `build-info.json` like the frozen launcher does, with
an `_internal/` folder holding a payload and an internal symlink (PyInstaller makes those).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from installer.index import ProviderEntry, load_index
from installer.release import package_build, write_index

SCRIPT = """#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
try:
    with open(os.path.join(here, "build-info.json")) as f:
        version = json.load(f).get("version") or {version!r}
except OSError:
    version = {version!r}
if {broken!r}:
    sys.stderr.write("boom: this build is broken\\n")
    sys.exit(3)
if "--version" in sys.argv:
    print(json.dumps({{"provider": {provider!r}, "version": version,
                      "spec_version": {spec!r}, "engines": ["fake"]}}))
    sys.exit(0)
print("running", version)
"""


def make_fake_build(
    parent: Path,
    *,
    provider: str = "pytorch-cpu",
    version: str = "1.0.0",
    spec: str = "1.0",
    broken: bool = False,
    payload_bytes: int = 512 * 1024,
) -> Path:
    name = f"tts-provider-{provider}"
    folder = Path(tempfile.mkdtemp(prefix=f"{provider}-{version}-", dir=parent)) / name
    internal = folder / "_internal"
    internal.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text(
        SCRIPT.format(
            python=sys.executable, version=version, provider=provider, spec=spec, broken=broken
        ),
        encoding="utf-8",
    )
    exe.chmod(0o755)
    (internal / "payload.bin").write_bytes(os.urandom(payload_bytes))
    (internal / "sub").mkdir(exist_ok=True)
    os.symlink("../payload.bin", internal / "sub" / "payload-link.bin")
    return folder


def publish(
    build: Path, serve_dir: Path, base_url: str, *, version: str | None = None, **entry: Any
) -> ProviderEntry:
    """Archive `build` into `serve_dir`, merge it into index.json there, return its entry.

    `entry` overrides fields of the index entry (e.g. sha256=None, url=...).
    """
    data = package_build(build, serve_dir, base_url=base_url, version=version, compresslevel=1)
    data.update(entry)
    write_index(serve_dir, [data])
    return load_index({"schema_version": 1, "providers": [data]}).providers[0]


def index_of(serve_dir: Path) -> dict[str, Any]:
    return json.loads((serve_dir / "index.json").read_text())  # type: ignore[no-any-return]
