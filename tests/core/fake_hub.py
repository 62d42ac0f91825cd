"""A tiny stand-in for the Hugging Face hub on 127.0.0.1 (what `HF_ENDPOINT` points at): the
model-info API and `resolve` downloads, serving the files of one local folder (subfolders
included, as `sub/name`) for any repo."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, folder: Path, first: str = "model.bin") -> None:
        names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        ordered = [first, *(n for n in names if n != first)] if first in names else names
        self.files = {n: (folder / n).read_bytes() for n in ordered}
        self.delay_s = 0.0
        """Sleep per 256 KiB chunk of a GET (a slow network)."""
        self.gets: Counter[str] = Counter()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _file(self) -> tuple[str, bytes] | None:
                parts = unquote(self.path.split("?")[0]).split("/resolve/main/")
                if len(parts) != 2 or parts[1] not in hub.files:
                    return None
                return parts[1], hub.files[parts[1]]

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
                    siblings = [{"rfilename": n, "size": len(d)} for n, d in hub.files.items()]
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
