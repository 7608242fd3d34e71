"""Logs: JSON lines for machines when NEWSLEDGER_LOG_FORMAT=json, readable lines otherwise."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from newsledger.logs import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_format_writes_one_object_per_line_with_the_extra_fields() -> None:
    out = io.StringIO()
    configure_logging(stream=out, environ={"NEWSLEDGER_LOG_FORMAT": "json"})
    log = logging.getLogger("newsledger.worker")
    log.info(
        "polled vnexpress: changed",
        extra={"source_id": "vnexpress", "events": {"ArticleIngested": 3}, "duration_ms": 12.5},
    )
    try:
        raise ConnectionError("connection refused")
    except ConnectionError:
        log.exception("poll crashed", extra={"source_id": "kpl"})
    first, second = (
        json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")
    )
    assert first["message"] == "polled vnexpress: changed"
    assert first["level"] == "INFO"
    assert first["source_id"] == "vnexpress"
    assert first["events"] == {"ArticleIngested": 3}
    assert first["duration_ms"] == 12.5
    assert first["time"].endswith("+00:00")
    assert second["error"] == "connection refused"
    assert "ConnectionError" in second["traceback"]


def test_json_keeps_vietnamese_text_readable() -> None:
    out = io.StringIO()
    configure_logging(fmt="json", stream=out, environ={})
    logging.getLogger("t").warning("Hà Nội", extra={"title": "Hội đàm Việt Nam – Lào"})
    line = out.getvalue().strip()
    assert "Hội đàm Việt Nam – Lào" in line
    assert json.loads(line)["message"] == "Hà Nội"


def test_the_default_format_is_a_readable_line_with_key_value_pairs() -> None:
    out = io.StringIO()
    configure_logging(stream=out, environ={})
    logging.getLogger("newsledger.worker").warning(
        "polled laotian-times: failed",
        extra={
            "source_id": "laotian-times",
            "events": {"SourceFetchFailed": 1},
            "error": "dns: no such host",
        },
    )
    line = out.getvalue().strip()
    assert "WARNING newsledger.worker: polled laotian-times: failed" in line
    assert "source_id=laotian-times" in line
    assert "events=SourceFetchFailed:1" in line
    assert 'error="dns: no such host"' in line
    assert not line.startswith("{")


def test_the_level_comes_from_the_environment() -> None:
    out = io.StringIO()
    configure_logging(stream=out, environ={"NEWSLEDGER_LOG_LEVEL": "warning"})
    logging.getLogger("x").info("hidden")
    logging.getLogger("x").warning("shown")
    assert "hidden" not in out.getvalue()
    assert "shown" in out.getvalue()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"NEWSLEDGER_LOG_FORMAT": "xml"}, "NEWSLEDGER_LOG_FORMAT"),
        ({"NEWSLEDGER_LOG_LEVEL": "loud"}, "NEWSLEDGER_LOG_LEVEL"),
    ],
)
def test_unknown_settings_are_refused_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        configure_logging(stream=io.StringIO(), environ=environ)


def test_configuring_twice_replaces_our_handler_instead_of_doubling_lines() -> None:
    out = io.StringIO()
    configure_logging(stream=out, environ={})
    configure_logging(stream=out, environ={})
    logging.getLogger("x").warning("once")
    assert out.getvalue().count("once") == 1
