"""A tiny stand-in for the Hugging Face hub on 127.0.0.1 (what `HF_ENDPOINT` points at): the
model-info API and `resolve` downloads, serving the files of one local folder (subfolders
included, as `sub/name`) for any repo, or with `per_repo=True` the folder's subfolder named
like the repo (`Org/Name` is served from `folder/Name`)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO = Path(__file__).resolve().parents[2]
BUILD_QWEN_BASE = (
    "import sys; from pathlib import Path;"
    "from providers.engines.qwen_random import build_random_model;"
    "build_random_model(Path(sys.argv[1]), model_type='base', max_new_tokens=16)"
)


def build_tiny_qwen_base(folder: Path) -> Path:
    """A tiny random-weight Qwen3-TTS Base model in `folder`, built in a subprocess (a test
    process that serves it never imports torch)."""
    built = subprocess.run(
        [sys.executable, "-c", BUILD_QWEN_BASE, str(folder)],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr.decode()[-2000:]
    return folder


def _read(folder: Path, first: str) -> dict[str, bytes]:
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    ordered = [first, *(n for n in names if n != first)] if first in names else names
    return {n: (folder / n).read_bytes() for n in ordered}


class FakeHub:
    def __init__(
        self, folder: Path, first: str = "model.bin", per_repo: bool = False, port: int = 0
    ) -> None:
        self.repos = (
            {sub.name: _read(sub, first) for sub in folder.iterdir() if sub.is_dir()}
            if per_repo
            else {}
        )
        self.files = {} if per_repo else _read(folder, first)
        """The files served for any repo (empty with `per_repo`: see `repos`)."""
        self.delay_s = 0.0
        """Sleep per 256 KiB chunk of a GET (a slow network)."""
        self.gets: Counter[str] = Counter()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _file(self) -> tuple[str, bytes] | None:
                parts = unquote(self.path.split("?")[0]).split("/resolve/main/")
                if len(parts) != 2:
                    return None
                files = hub.files_of(parts[0])
                if parts[1] not in files:
                    return None
                return parts[1], files[parts[1]]

            def _head(self, name: str, data: bytes) -> None:
                self.send_response(200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()

            def do_HEAD(self) -> None:
                found = self._file()
                if found is None:
                    self.send_error(404)
                    return
                self._head(*found)

            def do_GET(self) -> None:
                if self.path.startswith("/api/models/"):
                    repo = self.path.split("?")[0].removeprefix("/api/models/")
                    repo = repo.split("/revision/")[0]
                    files = hub.files_of(repo).items()
                    siblings = [{"rfilename": n, "size": len(d)} for n, d in files]
                    body = json.dumps({"id": repo, "sha": COMMIT, "siblings": siblings}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                found = self._file()
                if found is None:
                    self.send_error(404)
                    return
                name, data = found
                hub.gets[name] += 1
                self._head(name, data)
                try:
                    for start in range(0, len(data), 256 * 1024):
                        self.wfile.write(data[start : start + 256 * 1024])
                        if hub.delay_s:
                            time.sleep(hub.delay_s)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def files_of(self, repo: str) -> dict[str, bytes]:
        """The files served for `repo` (`Org/Name`, with or without a leading `/`)."""
        if not self.repos:
            return self.files
        return self.repos.get(repo.rstrip("/").rsplit("/", 1)[-1], {})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
