"""Building behind a private index and a TLS-intercepting proxy needs no Dockerfile edit:
the PIP_INDEX_URL build argument reaches pip, and the `ca_bundle` secret makes pip trust
the index's certificate."""

from __future__ import annotations

import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import require_tool
from tests.docker.conftest import REPO, TIMEOUT, Engine

pytestmark = pytest.mark.timeout(TIMEOUT)


class _Index(BaseHTTPRequestHandler):
    """A package index that knows no package, and remembers what it was asked."""

    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def private_index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(URL, certificate) of an HTTPS index whose self-signed certificate nothing trusts."""
    openssl = require_tool("openssl", "openssl")
    cert, key = tmp_path / "index.pem", tmp_path / "index.key"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Index.asked = []
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/simple", cert
    finally:
        server.shutdown()
        server.server_close()


def _build_wheels(engine: Engine, index: str, *secret: str) -> subprocess.CompletedProcess[str]:
    """Stage 1 only, with the host's network (the index listens on the host's loopback)."""
    return engine.run(
        [
            engine.docker_cli, "build", "--network=host", "--target", "wheels",
            "--build-arg", f"PIP_INDEX_URL={index}", *secret, str(REPO),
        ],
        check=False,
        timeout=600,
    )  # fmt: skip


def test_pip_uses_the_index_argument_and_trusts_the_ca_bundle_secret(
    engine: Engine, private_index: tuple[str, Path]
) -> None:
    index, cert = private_index
    untrusted = _build_wheels(engine, index)
    assert untrusted.returncode != 0
    assert _Index.asked == [], "pip talked to an index whose certificate it cannot trust"
    trusted = _build_wheels(engine, index, "--secret", f"id=ca_bundle,src={cert}")
    # The index knows no package, so the build fails, after pip asked it over TLS.
    assert trusted.returncode != 0
    assert any(path.startswith("/simple/") for path in _Index.asked), trusted.stderr[-3000:]
