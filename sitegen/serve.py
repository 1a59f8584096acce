"""Serving the built site locally as a static host or CDN would: text compressed with gzip.

`python build.py serve` (and so `make serve`) and the Lighthouse benchmark use this handler. Python's
http.server sends every file raw; a reader of the real site gets HTML, JavaScript, CSS, JSON and the
Pyodide runtime's text files gzip-compressed, and about 400 KiB less on a first visit of the calculator.
Serving raw would show a slower site than anyone gets. Each file is compressed once (per modification
time) and kept in memory; a client that does not send `Accept-Encoding: gzip` gets the raw bytes.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from pathlib import Path
from typing import Any

COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "application/wasm",  # Pyodide's WebAssembly: about a third of its size compressed
    "image/svg+xml",
)
# Types that Python's mimetypes may not know on every machine; a module worker needs JavaScript's.
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class CompressingHandler(QuietHandler):
    """Files as SimpleHTTPRequestHandler serves them (folders redirected to their slash, index.html,
    Last-Modified), but text gzip-compressed for a client that accepts it."""

    _cache: dict[tuple[str, float], bytes] = {}
    _lock = threading.Lock()

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        kind = self.guess_type(str(path))
        if (
            "gzip" not in self.headers.get("Accept-Encoding", "")
            or not path.is_file()
            or not kind.startswith(COMPRESSIBLE)
        ):
            return super().send_head()
        body = self._compressed(path)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        return _Body(body)

    @classmethod
    def _compressed(cls, path: Path) -> bytes:
        key = (str(path), path.stat().st_mtime)
        with cls._lock:
            body = cls._cache.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            with cls._lock:
                cls._cache[key] = body
        return body


class _Body:
    """What send_head returns: a file-like object that do_GET copies out and closes."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self) -> None:
        self.data = b""


def make_server(site: Path, port: int, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A server of the built site on host:port (port 0: any free port), compressing text."""
    handler = functools.partial(CompressingHandler, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)
