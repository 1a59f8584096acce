"""`build.py serve`'s handler (sitegen.serve): text gzip-compressed as a static host serves it, raw otherwise."""

from __future__ import annotations

import gzip
import http.client

import pytest
from browsing import Server

from sitegen.serve import CompressingHandler

PAGE = ("<!doctype html><title>继续教育</title>" + "<p>学时</p>" * 500).encode()
SCRIPT = b"export const x = 1;\n" * 200
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    (root / "index.html").write_bytes(PAGE)
    (root / "calculator").mkdir()
    (root / "calculator" / "index.html").write_bytes(PAGE)
    (root / "calculator" / "app.mjs").write_bytes(SCRIPT)
    (root / "calculator" / "pyodide.asm.wasm").write_bytes(b"\0asm" + b"\0" * 4000)
    (root / "logo.png").write_bytes(PICTURE)
    server = Server(root, CompressingHandler)
    yield server
    server.stop()


def get(server: Server, path: str, gzip_ok: bool = True, method: str = "GET"):
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
    connection.request(method, path, headers={"Accept-Encoding": "gzip, deflate, br"} if gzip_ok else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.mark.parametrize(
    ("path", "raw", "kind"),
    [
        ("/", PAGE, "text/html"),
        ("/calculator/", PAGE, "text/html"),
        ("/calculator/app.mjs", SCRIPT, "text/javascript"),
        ("/calculator/pyodide.asm.wasm", b"\0asm" + b"\0" * 4000, "application/wasm"),
    ],
)
def test_text_and_wasm_are_compressed_for_a_browser(served, path, raw, kind):
    response, body = get(served, path)
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert response.getheader("Content-Type").startswith(kind)
    assert int(response.getheader("Content-Length")) == len(body) < len(raw)
    assert gzip.decompress(body) == raw


def test_raw_for_a_client_without_gzip(served):
    response, body = get(served, "/calculator/app.mjs", gzip_ok=False)
    assert response.getheader("Content-Encoding") is None
    assert body == SCRIPT


def test_pictures_are_sent_as_they_are(served):
    response, body = get(served, "/logo.png")
    assert response.getheader("Content-Encoding") is None
    assert body == PICTURE


def test_a_folder_without_its_slash_is_redirected(served):
    response, _ = get(served, "/calculator")
    assert response.status == 301
    assert response.getheader("Location") == "/calculator/"


def test_head_sends_no_body(served):
    response, body = get(served, "/calculator/app.mjs", method="HEAD")
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert body == b""


@pytest.mark.parametrize("path", ["/missing.html", "/../../etc/passwd", "/calculator/../../etc/passwd"])
def test_nothing_outside_the_site(served, path: str):
    response, body = get(served, path)
    assert response.status == 404
    assert b"root:" not in body


def test_make_server_serves_the_site_compressed(tmp_path):
    """The server `build.py serve` runs (make_server), on a free port."""
    import threading

    from sitegen.serve import make_server

    (tmp_path / "index.html").write_bytes(PAGE)
    with make_server(tmp_path, 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
            connection.request("GET", "/", headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            assert response.getheader("Content-Encoding") == "gzip"
            assert gzip.decompress(response.read()) == PAGE
            connection.close()
        finally:
            server.shutdown()
            thread.join()
