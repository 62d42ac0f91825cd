"""Resumable, verified downloads: `.partial` files, HTTP Range, mirrors in order, sha256 required.

A dropped connection resumes from the bytes already on disk (a few retries per mirror), then the
next mirror is tried. A checksum mismatch deletes the partial file (its bytes are wrong, resuming
them would be pointless) and the next mirror is tried; when every mirror fails, the error lists
each URL and why. Errors are never swallowed: the caller always gets a DownloadError (or its
subclass ChecksumError) with the whole story.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from installer.errors import ChecksumError, DownloadError
from installer.index import ReleaseIndex, load_index

if TYPE_CHECKING:
    import httpx

RETRIES_PER_MIRROR = 3


def _client() -> httpx.Client:
    """A client for release servers: no proxy variables from the environment, bounded waits.
    httpx is imported here, on first use, so the core's start-up never pays for it."""
    import httpx

    timeout = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
    return httpx.Client(trust_env=False, timeout=timeout, follow_redirects=True)


@dataclass(frozen=True)
class Progress:
    """One progress report. `phase` is downloading, verifying, extracting, validating,
    swapping or done; bytes are those of the archive; speed is bytes per second."""

    phase: str
    done: int
    total: int
    speed: float = 0.0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


ProgressCallback = Callable[[Progress], None]


def _hash_file(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest


class _Truncated(Exception):
    """The server closed early or the stream broke; resuming may help."""


class _Throttle:
    """Calls the callback at most every `interval` seconds, plus a final call."""

    def __init__(self, cb: ProgressCallback | None, total: int, interval: float = 0.1) -> None:
        self.cb, self.total, self.interval = cb, total, interval
        self.start = time.monotonic()
        self.last = 0.0
        self.session_bytes = 0

    def __call__(self, done: int, *, force: bool = False) -> None:
        if self.cb is None:
            return
        now = time.monotonic()
        if force or now - self.last >= self.interval:
            self.last = now
            elapsed = max(now - self.start, 1e-6)
            self.cb(Progress("downloading", done, self.total, self.session_bytes / elapsed))


@dataclass
class _State:
    partial: Path
    size: int
    digest: hashlib._Hash
    tick: _Throttle


def _fetch_once(client: httpx.Client, url: str, st: _State) -> None:
    """Append the missing bytes of `url` to the partial file, updating the digest.

    Raises _Truncated when the stream ends early, DownloadError when retrying cannot help.
    """
    import httpx

    partial, size, tick = st.partial, st.size, st.tick
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with client.stream("GET", url, headers=headers) as resp:
            if resp.status_code == 416 and have == size:
                return  # already complete
            if have and resp.status_code == 200:
                # The server ignored Range: start over.
                have = 0
                st.digest = hashlib.sha256()
            elif have and resp.status_code == 206:
                start = resp.headers.get("content-range", "").removeprefix("bytes ").split("-")[0]
                if start != str(have):
                    raise DownloadError(
                        f"{url}: server resumed at byte {start or '?'} instead of {have}"
                    )
            elif resp.status_code != 200:
                raise DownloadError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}")
            mode = "ab" if have else "wb"
            with partial.open(mode) as out:
                done = have
                for chunk in resp.iter_bytes():  # as received: nothing buffered is lost on a drop
                    done += len(chunk)
                    if done > size:
                        raise DownloadError(
                            f"{url}: more than the {size} bytes the release index announces"
                        )
                    out.write(chunk)
                    st.digest.update(chunk)
                    tick.session_bytes += len(chunk)
                    tick(done)
                out.flush()
                os.fsync(out.fileno())
    except (httpx.TransportError, httpx.StreamError) as exc:
        raise _Truncated(f"{url}: {type(exc).__name__}: {exc}") from exc
    got = partial.stat().st_size
    if got < size:
        raise _Truncated(f"{url}: connection closed after {got} of {size} bytes")


def _fetch_with_retries(http: httpx.Client, url: str, st: _State, retries: int) -> str | None:
    """Fetch `url` completely, resuming up to `retries` times; the failure, or None."""
    for attempt in range(retries + 1):
        try:
            _fetch_once(http, url, st)
            return None
        except _Truncated as exc:
            if attempt == retries:
                return f"{exc} (gave up after {retries} resumes)"
        except DownloadError as exc:
            return str(exc)
    return None  # pragma: no cover - the loop always returns


def download(
    urls: list[str],
    dest: Path,
    *,
    sha256: str | None,
    size: int,
    progress: ProgressCallback | None = None,
    client: httpx.Client | None = None,
    retries: int = RETRIES_PER_MIRROR,
) -> Path:
    """Download to `dest` (via `dest` + '.partial'), verified against `sha256` and `size`.

    Resumes an existing partial file. Returns `dest`.
    """
    if not sha256:
        raise ChecksumError(
            "the release index gives no sha256 for this download; refusing to install "
            "unverified code (ask the publisher to fix the index)"
        )
    partial = dest.with_name(dest.name + ".partial")
    dest.parent.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    http = client or _client()
    failures: list[str] = []
    checksum_failed = False
    tick = _Throttle(progress, size)
    try:
        for url in urls:
            # A mismatch after resuming may come from bytes of an earlier source: one fresh try.
            resumed = False
            for fresh in (False, True):
                if fresh and not resumed:
                    break
                if fresh or (partial.exists() and partial.stat().st_size > size):
                    partial.unlink(missing_ok=True)
                resumed = partial.exists()
                st = _State(
                    partial, size, _hash_file(partial) if resumed else hashlib.sha256(), tick
                )
                failure = _fetch_with_retries(http, url, st, retries)
                if failure:
                    failures.append(failure)
                    break
                tick(size, force=True)
                if progress:
                    progress(Progress("verifying", size, size))
                actual = st.digest.hexdigest()
                if actual == sha256.lower():
                    os.replace(partial, dest)
                    return dest
                checksum_failed = True
                failures.append(f"{url}: sha256 is {actual}, the index says {sha256}")
                partial.unlink()
    finally:
        if own_client:
            http.close()
    lines = "\n  ".join(failures) or "no URL to try"
    if checksum_failed:
        raise ChecksumError(
            f"the download does not match its checksum (corrupted or tampered); nothing was "
            f"installed:\n  {lines}"
        )
    raise DownloadError(
        f"the download failed on every mirror (check the connection and retry; it resumes):"
        f"\n  {lines}"
    )


def fetch_index(
    url: str, *, client: httpx.Client | None = None, max_bytes: int = 8 * 1024 * 1024
) -> ReleaseIndex:
    """GET and validate a release index. DownloadError when unreachable or too large,
    ReleaseIndexError when malformed. Serve it over HTTPS: it carries the checksums."""
    import httpx

    http = client or _client()
    try:
        with http.stream("GET", url) as resp:
            if resp.status_code != 200:
                raise DownloadError(
                    f"release index {url}: HTTP {resp.status_code} {resp.reason_phrase}"
                )
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise DownloadError(f"release index {url} is larger than {max_bytes} bytes")
    except httpx.HTTPError as exc:
        raise DownloadError(f"release index {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if client is None:
            http.close()
    return load_index(bytes(body))
