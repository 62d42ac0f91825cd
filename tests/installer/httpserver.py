"""A real threaded HTTP server on 127.0.0.1 serving a folder, with Range and fault injection."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Faults:
    """Knobs the tests turn. Keys are URL paths like '/x.tar.gz'."""

    drop_after: dict[str, int] = field(default_factory=dict)  # close once after N bytes
    ignore_range: set[str] = field(default_factory=set)  # answer 200 with everything
    status: dict[str, int] = field(default_factory=dict)  # answer this status instead
    delay_per_chunk: float = 0.0  # seconds slept per 64 KiB chunk (slow server)
    hold: threading.Event | None = None  # the body waits until it is set (a stalled download)


@dataclass
class Request:
    path: str
    range: str | None
    status: int
    sent: int


class FileServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.faults = Faults()
        self.requests: list[Request] = []
        self.requested = threading.Event()
        """Set at the first request."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._serve(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        rng = h.headers.get("Range")
        record = Request(path, rng, 0, 0)
        self.requests.append(record)
        self.requested.set()
        if path in self.faults.status:
            record.status = self.faults.status[path]
            h.send_response(record.status)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        file = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in file.parents or not file.is_file():
            record.status = 404
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        data = file.read_bytes()
        start, status = 0, 200
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if m and path not in self.faults.ignore_range:
            start, status = int(m.group(1)), 206
            if start >= len(data):
                record.status = 416
                h.send_response(416)
                h.send_header("Content-Range", f"bytes */{len(data)}")
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
        body = data[start:]
        record.status = status
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Accept-Ranges", "bytes")
        if status == 206:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        limit = self.faults.drop_after.pop(path, None)
        if self.faults.hold is not None:
            self.faults.hold.wait(60)
        chunk = 64 * 1024
        for offset in range(0, len(body), chunk):
            piece = body[offset : offset + chunk]
            if limit is not None and record.sent + len(piece) > limit:
                piece = piece[: max(limit - record.sent, 0)]
                h.wfile.write(piece)
                record.sent += len(piece)
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(2)  # drop mid-body
                return
            h.wfile.write(piece)
            record.sent += len(piece)
            if self.faults.delay_per_chunk:
                time.sleep(self.faults.delay_per_chunk)
