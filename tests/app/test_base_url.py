"""The base URL feeds, pages and the OPML file link to: the address `serve` really listens
on when `[feeds] base_url` is unset, the configured one when set, NEWSLEDGER_BASE_URL over
both — tested through the installed command, as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree  # type: ignore[import-untyped]

from newsledger.app import App
from newsledger.publishing import catch_up_and_publish
from tests.support.network import free_port

CONFIG = """
[store]
url = "sqlite:///store.db"

[feeds]
output_dir = "public"
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`newsledger serve --port P` with no base_url in its configuration."""
    (tmp_path / "newsledger.toml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    command = shutil.which("newsledger", path=str(Path(sys.executable).parent))
    assert command is not None
    env = {k: v for k, v in os.environ.items() if k != "NEWSLEDGER_BASE_URL"}
    process = subprocess.Popen(
        [command, "--config", str(tmp_path / "newsledger.toml"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield port, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def test_serve_on_another_port_links_to_that_port(served: tuple[int, Path]) -> None:
    port, _ = served
    base = f"http://127.0.0.1:{port}"
    opml = etree.fromstring(httpx.get(f"{base}/feeds.opml").content)
    assert {o.get("xmlUrl") for o in opml.iter("outline")} >= {f"{base}/feeds/all.atom"}
    feed = etree.fromstring(httpx.get(f"{base}/feeds/all.atom").content)
    links = {link.get("rel"): link.get("href") for link in feed.iter("{*}link")}
    assert links["self"] == f"{base}/feeds/all.atom"
    assert httpx.get(links["self"]).status_code == 200  # the link works where it points


def _opml_urls(tmp_path: Path, app: App) -> set[str]:
    catch_up_and_publish(app.runner, app.feeds_config)
    opml = etree.parse(str(tmp_path / "public" / "feeds.opml")).getroot()
    return {str(o.get("xmlUrl")) for o in opml.iter("outline")}


def test_the_environment_overrides_the_configuration_and_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "newsledger.toml").write_text(
        CONFIG.replace("[feeds]", '[feeds]\nbase_url = "https://configured.example"'),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    app = App(str(tmp_path / "newsledger.toml"))
    app.serve_at("0.0.0.0", 9000)
    assert _opml_urls(tmp_path, app) >= {"https://configured.example/feeds/all.atom"}
    app.close()
    monkeypatch.setenv("NEWSLEDGER_BASE_URL", "https://news.example.org/")
    app = App(str(tmp_path / "newsledger.toml"))
    app.serve_at("0.0.0.0", 9000)
    assert app.feeds_config.base_url == "https://news.example.org"
    assert _opml_urls(tmp_path, app) >= {"https://news.example.org/feeds/all.atom"}
    app.close()


def test_a_reloaded_configuration_keeps_the_address_it_is_served_on(tmp_path: Path) -> None:
    (tmp_path / "newsledger.toml").write_text(
        CONFIG.replace('"sqlite:///store.db"', f'"sqlite:///{tmp_path}/store.db"'),
        encoding="utf-8",
    )
    app = App(str(tmp_path / "newsledger.toml"))
    app.serve_at("127.0.0.1", 9123)
    assert app.reloaded().feeds_config.base_url == "http://127.0.0.1:9123"
    app.close()
