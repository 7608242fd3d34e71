"""`docker compose` with the repository's unmodified compose file: PostgreSQL, worker and
web come up healthy, serve feeds, share sources across replicas without ingesting any
content twice, reload on SIGHUP, keep every event across down/up, and clean up."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from tests.docker.conftest import (
    REPO,
    REPORT,
    TIMEOUT,
    Engine,
    http_get,
    wait_until,
)
from tests.support import railway
from tests.support.network import free_port

pytestmark = pytest.mark.timeout(TIMEOUT)

PROJECT = "nlsmoke"
FOLDERS = 6
SHARED = 2  # articles found in every folder: the same content hash from six sources


def article(key: str) -> str:
    return (
        f"Vietnam and Laos sign cooperation plan {key}\n\n"
        f"Vietnamese and Lao officials signed cooperation plan {key} in Vientiane, covering "
        f"trade, transport and education; the plan named {key} runs for five years.\n"
    )


def config(sources: int) -> str:
    lines = ['[store]\nurl = "sqlite:///unused.db"  # DATABASE_URL (PostgreSQL) overrides it\n']
    for i in range(1, sources + 1):
        lines.append(
            f'[[sources]]\nid = "folder-{i}"\nkind = "folder"\npath = "examples/f{i}"\n'
            'interval = "10s"\n'
        )
    lines.append('[worker]\njitter = "0s"\nstagger = "1s"\nlease_ttl = "6s"\n')
    return "\n".join(lines)


@dataclass
class Stack:
    engine: Engine
    directory: Path
    port: int
    started: float

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    def compose(self, *args: str, timeout: float = 300) -> str:
        env_args = [self.engine.compose_cli, "-p", PROJECT, *args]
        result = self.engine.run(env_args, cwd=self.directory, timeout=timeout, env=self.env)
        return result.stdout.strip()

    @property
    def env(self) -> dict[str, str]:
        return {"NEWSLEDGER_PORT": str(self.port), "NEWSLEDGER_BASE_URL": self.base_url}

    def containers(self, service: str) -> list[str]:
        return self.compose("ps", "-q", service).split()

    def sql(self, query: str) -> list[list[str]]:
        out = self.compose(
            "exec", "-T", "postgres",
            "psql", "-U", "newsledger", "-d", "newsledger", "-At", "-F", "|", "-c", query,
        )  # fmt: skip
        return [line.split("|") for line in out.splitlines() if line]

    def write_articles(self, keys: list[str], folders: range) -> None:
        for i in folders:
            folder = self.directory / "examples" / f"f{i}"
            folder.mkdir(mode=0o755, exist_ok=True)
            for key in keys:
                (folder / f"{key}.txt").write_text(article(key), encoding="utf-8")


def _health(engine: Engine, container: str) -> str:
    return engine.docker("inspect", "-f", "{{.State.Health.Status}}", container)


def wait_healthy(stack: Stack, services: tuple[str, ...], timeout: float = 120) -> None:
    def all_healthy() -> bool:
        ids = [c for s in services for c in stack.containers(s)]
        return bool(ids) and all(_health(stack.engine, c) == "healthy" for c in ids)

    try:
        wait_until(all_healthy, timeout=timeout, every=1)
    except AssertionError:
        pytest.fail(f"not healthy after {timeout:.0f} s:\n{stack.compose('logs', '--tail=40')}")


@pytest.fixture(scope="module")
def stack(engine: Engine, image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A project folder holding the repository's compose file as it is, a configuration of
    folder sources, and their articles; always brought down with its volumes."""
    directory = tmp_path_factory.mktemp("compose")
    directory.chmod(0o755)
    shutil.copy(REPO / "docker-compose.yml", directory / "docker-compose.yml")
    (directory / "newsledger.toml").write_text(config(FOLDERS), encoding="utf-8")
    (directory / "examples").mkdir(mode=0o755)
    stack = Stack(engine, directory, free_port(), time.monotonic())
    stack.write_articles([f"shared-{n}" for n in range(SHARED)], range(1, FOLDERS + 1))
    for i in range(1, FOLDERS + 1):
        stack.write_articles([f"only-{i}"], range(i, i + 1))
    try:
        yield stack
    finally:
        REPORT["compose smoke"] = f"{time.monotonic() - stack.started:.1f} s"
        engine.run(
            [engine.compose_cli, "-p", PROJECT, "down", "-v", "--timeout", "10"],
            cwd=directory,
            check=False,
        )


def ingested(stack: Stack) -> int:
    return int(stack.sql("SELECT count(*) FROM events WHERE type = 'ArticleIngested'")[0][0])


def test_compose_up_brings_postgres_then_worker_and_web_to_healthy(stack: Stack) -> None:
    since = time.time()
    stack.compose("up", "-d", "--no-build")
    wait_healthy(stack, ("postgres", "worker", "web"))
    # The engine's event log, not the containers' health logs (which keep 5 checks only).
    events = [
        json.loads(line)
        for line in stack.engine.docker(
            "events", "--since", f"{since - 1:.0f}", "--until", f"{time.time():.0f}",
            "--filter", "type=container", "--format", "{{json .}}",
        ).splitlines()
    ]  # fmt: skip

    def first(service: str, status: str) -> int:
        (container,) = stack.containers(service)
        times = [e["timeNano"] for e in events if e["id"] == container and e["status"] == status]
        assert times, f"no {status!r} event for {service}"
        return int(min(times))

    healthy = first("postgres", "health_status: healthy")
    for service in ("worker", "web"):
        assert first(service, "start") > healthy, f"{service} started before postgres was healthy"
    REPORT["compose: healthy after"] = f"{time.monotonic() - stack.started:.1f} s"


def test_the_feeds_are_served_on_the_published_port(stack: Stack) -> None:
    articles = FOLDERS + SHARED

    def feed() -> feedparser.FeedParserDict | None:
        got = http_get(f"http://127.0.0.1:{stack.port}/feeds/all.atom")
        parsed = feedparser.parse(got[1]) if got and got[0] == 200 else None
        return parsed if parsed is not None and len(parsed.entries) == articles else None

    parsed = wait_until(feed, timeout=60)
    assert parsed.bozo == 0
    # Links come from NEWSLEDGER_BASE_URL, the address the feeds are published under.
    links = [link.href for link in parsed.feed.links]
    links += [link.href for entry in parsed.entries for link in entry.links]
    assert all(href.startswith(f"{stack.base_url}/") for href in links), links


def test_three_worker_replicas_share_the_sources_and_ingest_no_content_twice(stack: Stack) -> None:
    stack.compose("up", "-d", "--no-build", "--scale", "worker=3")
    wait_healthy(stack, ("worker",))

    def owners() -> set[str] | None:
        rows = stack.sql(
            "SELECT DISTINCT owner FROM leases WHERE name LIKE 'source:%' AND owner <> ''"
        )
        return {row[0] for row in rows} if len(rows) == 3 else None

    wait_until(owners, timeout=90, every=1)
    # New articles in every folder at once: each replica's sources race for the same hashes.
    before = ingested(stack)
    stack.write_articles([f"race-{n}" for n in range(4)], range(1, FOLDERS + 1))
    wait_until(lambda: ingested(stack) >= before + 4, timeout=60)
    time.sleep(12)  # one more interval: a late duplicate would show now
    twice = stack.sql(
        "SELECT data::jsonb->>'content_hash', count(*) FROM events"
        " WHERE type = 'ArticleIngested' GROUP BY 1 HAVING count(*) > 1"
    )
    assert twice == []
    assert ingested(stack) == FOLDERS + SHARED + 4


def test_kill_hup_makes_every_worker_reload_its_configuration(stack: Stack) -> None:
    stack.write_articles(["only-7"], range(7, 8))
    # In place: the file is bind-mounted, so a replaced file would not be seen.
    (stack.directory / "newsledger.toml").write_text(config(FOLDERS + 1), encoding="utf-8")
    before = ingested(stack)
    stack.compose("kill", "-s", "HUP", "worker")

    def reloaded() -> bool:
        lines = stack.compose("logs", "--no-color", "worker").splitlines()
        found = [line for line in lines if '"configuration reloaded"' in line]
        return len(found) == 3 and all('"sources": 7' in line for line in found)

    wait_until(reloaded, timeout=30)
    wait_until(lambda: ingested(stack) == before + 1, timeout=60)


def test_exec_status_works_in_a_worker(stack: Stack) -> None:
    status = json.loads(stack.compose("exec", "-T", "worker", "newsledger", "status", "--json"))
    assert len(status["sources"]) == FOLDERS + 1, status


def test_a_copy_from_a_second_source_is_one_story_entry_with_its_page_served(
    stack: Stack,
) -> None:
    """A report in one folder and a second site's copy in another: the worker groups them,
    the served feed has one entry for the story, linking its page, which the web
    service serves with both reports."""
    before = ingested(stack)
    # One after the other: the report must be the story's first article, its lead.
    (stack.directory / "examples" / "f1" / "railway.txt").write_text(railway.REPORT, "utf-8")
    wait_until(lambda: ingested(stack) == before + 1, timeout=60)
    (stack.directory / "examples" / "f2" / "railway-copy.txt").write_text(railway.COPY, "utf-8")
    wait_until(lambda: ingested(stack) == before + 2, timeout=60)
    local = f"http://127.0.0.1:{stack.port}"

    def story() -> tuple[list[str], str] | None:
        got = http_get(f"{local}/feeds/all.atom")
        parsed = feedparser.parse(got[1]) if got and got[0] == 200 else None
        entry = (
            next((e for e in parsed.entries if e.title == railway.TITLE), None) if parsed else None
        )
        pages = [link.href for link in entry.links if "/stories/" in link.href] if entry else []
        return ([e.title for e in parsed.entries], pages[0]) if parsed and pages else None

    titles, page = wait_until(story, timeout=60)
    assert railway.COPY_TITLE not in titles
    assert page.startswith(f"{stack.base_url}/stories/")
    got = http_get(page.replace(stack.base_url, local, 1))
    assert got is not None and got[0] == 200, page
    assert railway.TITLE in got[1].decode() and railway.COPY_TITLE in got[1].decode()


def test_down_then_up_keeps_every_event(stack: Stack) -> None:
    (last,) = stack.sql("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
    (count,) = stack.sql("SELECT count(*) FROM events")[0]
    stack.compose("down", "--timeout", "15")
    assert stack.containers("postgres") == []
    stack.compose("up", "-d", "--no-build")
    wait_healthy(stack, ("postgres", "worker", "web"))
    kept = stack.sql(f"SELECT position, hash FROM events WHERE position = {int(last[0])}")
    assert kept == [last]
    assert int(stack.sql("SELECT count(*) FROM events")[0][0]) >= int(count)
    verify = stack.compose("exec", "-T", "worker", "newsledger", "verify")
    assert verify.startswith("OK"), verify


def test_down_v_removes_the_containers_and_volumes(stack: Stack) -> None:
    label = f"label=com.docker.compose.project={PROJECT}"
    assert stack.engine.docker("volume", "ls", "-q", "--filter", label) != ""
    stack.compose("down", "-v", "--timeout", "15")
    assert stack.engine.docker("ps", "-aq", "--filter", label) == ""
    assert stack.engine.docker("volume", "ls", "-q", "--filter", label) == ""
