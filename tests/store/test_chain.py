"""The hash chain: verify finds tampering; export and import round-trip byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from store import EventStore, ImportRefusedError, NewEvent
from store.chain import verify
from store.events import _hash_fields, event_hash
from store.transfer import Imported, export_lines, import_lines


def _fill(store: EventStore, count: int = 12) -> None:
    for n in range(count):
        store.append(
            f"article-{n % 4}",
            [NewEvent("Noted", {"n": n, "title": f"Tin số {n} – Lào"}, keys=(f"content:{n}",))],
        )


def _tamper(store: EventStore, position: int) -> None:
    """Change a stored row the way an attacker with database access would."""
    forged = text("UPDATE events SET data = :data WHERE position = :position")
    with store.engine.begin() as conn:
        if store.is_postgres:
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
            conn.execute(forged, {"data": '{"n":99}', "position": position})
            conn.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(forged, {"data": '{"n":99}', "position": position})


def test_verify_accepts_an_untouched_log(store: EventStore) -> None:
    _fill(store)
    result = verify(store.engine)
    assert result.ok
    assert result.events == 12


def test_verify_reports_the_first_tampered_position(store: EventStore) -> None:
    _fill(store)
    _tamper(store, 7)
    result = verify(store.engine)
    assert not result.ok
    assert result.broken_at == 7
    assert result.events == 6


def test_export_import_export_is_byte_identical(store_url: str, sqlite_url: str) -> None:
    source = EventStore.open(store_url)
    _fill(source)
    first = list(export_lines(source))
    target = EventStore.open(sqlite_url.replace("store.db", "copy.db"))
    assert import_lines(target, first) == Imported(12, complete=True)
    assert list(export_lines(target)) == first
    assert verify(target.engine).ok
    assert target.claimed(["content:3"]) == {"content:3": 4}
    source.close()
    target.close()


def test_import_refuses_a_non_empty_store(store: EventStore) -> None:
    _fill(store, 2)
    lines = list(export_lines(store))
    with pytest.raises(ImportRefusedError, match="not empty"):
        import_lines(store, lines)
    assert store.head() == 2


def _end_with(lines: list[str], **changes: object) -> list[str]:
    return [*lines[:-1], json.dumps({**json.loads(lines[-1]), **changes})]


# The lines: the format line, six events, the end line.
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: [*lines[:-2], lines[-2][:40]], "line 7: not a JSON object.*truncated"),
        (lambda lines: [*lines[:2], lines[3]], "position 3, expected 2"),
        (lambda lines: [*lines[:3], lines[3].replace("Lào", "Lao")], "hash chain broken"),
        (lambda lines: [*lines[:2], json.dumps({"position": 3})], "missing"),
        # Cut exactly between two lines: every event left is whole and chained.
        (lambda lines: lines[:5], "ends after line 5 .4 events. without its end line"),
        (lambda lines: lines[:-1], "ends after line 7 .6 events. without its end line"),
        (
            lambda lines: _end_with(lines, events=7),
            "line 8: the end line counts 7 events, the file holds 6",
        ),
        (
            lambda lines: _end_with(lines, head=json.loads(lines[-3])["hash"]),
            "line 8: the end line's head hash is not the last event's",
        ),
        (lambda lines: [*lines, lines[1]], "line 9: more after the end line"),
        (lambda lines: [*lines, *lines], "line 9: more after the end line"),
        (
            lambda lines: [lines[0].replace('"version":2', '"version":3'), *lines[1:]],
            "line 1: an export in another version of the format",
        ),
        # An end line is only one after a format line: an unframed file has none.
        (lambda lines: lines[1:], "line 7: field 'position' missing"),
    ],
)
def test_import_refuses_a_damaged_file_and_writes_nothing(
    store: EventStore, sqlite_url: str, damage: object, message: str
) -> None:
    _fill(store, 6)
    lines = damage(list(export_lines(store)))  # type: ignore[operator]
    target = EventStore.open(sqlite_url.replace("store.db", "target.db"))
    with pytest.raises(ImportRefusedError, match=message):
        import_lines(target, lines)
    assert target.head() == 0
    assert target.claimed(["content:0"]) == {}
    target.close()


def test_export_lines_hold_canonical_json(store: EventStore, tmp_path: Path) -> None:
    _fill(store, 1)
    first, line, end = export_lines(store)
    assert first == '{"format":"newsledger-export","version":2}'
    record = json.loads(line)
    assert json.loads(end) == {"end": "newsledger-export", "events": 1, "head": record["hash"]}
    assert record["keys"] == ["content:0"]
    assert json.loads(record["data"]) == {"n": 0, "title": "Tin số 0 – Lào"}


@settings(max_examples=300, deadline=None)
@given(
    previous=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    position=st.integers(min_value=1, max_value=2**62),
    event_id=st.one_of(st.uuids().map(str), st.text(max_size=40)),
    stream_id=st.text(max_size=30),
    version=st.integers(min_value=1, max_value=2**31),
    kind=st.text(max_size=30),
    schema_version=st.integers(min_value=1, max_value=99),
    data=st.text(max_size=300),
    metadata=st.text(max_size=30),
    recorded_at=st.text(max_size=30),
    keys=st.lists(st.text(max_size=20), max_size=4, unique=True).map(tuple),
)
def test_the_event_hash_is_the_digest_of_every_field_with_its_byte_length(
    previous: str,
    position: int,
    event_id: str,
    stream_id: str,
    version: int,
    kind: str,
    schema_version: int,
    data: str,
    metadata: str,
    recorded_at: str,
    keys: tuple[str, ...],
) -> None:
    """The fast form (ASCII fields formatted at once) equals the field-by-field one."""
    fields = [str(position), event_id, stream_id, str(version), kind, str(schema_version)]
    data_bytes = data.encode("utf-8", "surrogatepass")
    meta_bytes = metadata.encode("utf-8", "surrogatepass")
    try:
        expected = _hash_fields(previous, fields, data_bytes, meta_bytes, recorded_at, keys)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            event_hash(
                previous, position=position, event_id=event_id, stream_id=stream_id,
                stream_version=version, type=kind, schema_version=schema_version,
                data_json=data_bytes, metadata_json=meta_bytes, recorded_at=recorded_at,
                keys=keys,
            )  # fmt: skip
        return
    assert expected == event_hash(
        previous, position=position, event_id=event_id, stream_id=stream_id,
        stream_version=version, type=kind, schema_version=schema_version,
        data_json=data_bytes, metadata_json=meta_bytes, recorded_at=recorded_at, keys=keys,
    )  # fmt: skip
