"""What the browser tests and the benchmarks share: Debian's Chromium (its path and flags) and a local server
for the built site.

Playwright drives Chromium by `executable_path` (no browser is downloaded); Lighthouse finds it through
CHROME_PATH. `make chromium` (run by `make test`) installs it with apt.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root in a container); nothing that would call home on its own.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium (`make test` runs it)"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser context closed in the middle of a download: not the site's problem


class Server:
    """A folder served on http://127.0.0.1:<free port>/ (a worker and a service worker need http:)."""

    def __init__(self, root: Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler):
        self.httpd = _HTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()
