"""Reader processes: folder files read and parsed on another core while the log is appended.

Reading, decoding, cleaning and hashing files is CPU-bound Python, and so is appending,
so threads only take turns on the GIL. A large folder poll therefore hands its batches
to child processes. They are started with `subprocess` running `CHILD_COMMAND`, not
through `multiprocessing`: a spawned or forkserver child imports the parent's
`__main__` again, which re-runs (or crashes) any program that lacks an
`if __name__ == "__main__"` guard; forking a threaded process can deadlock. A child here
imports only `ingest`, whatever the parent's entry point is.

Protocol over the child's stdin/stdout: length-prefixed pickles; a request is
`(paths, language, headline_rule)`, a reply `("ok", FolderBatch, log records)` or
`("error", message)`.
Anything that goes wrong with a child (it cannot start, dies, answers garbage) raises
`ReaderUnavailable`; the caller then reads in-process instead.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from ingest.parse.folder import FolderBatch, read_files

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("!Q")
#: The directory that holds the `ingest` package, so a child finds the same code even
#: when the parent put it on `sys.path` by hand.
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


class ReaderUnavailable(Exception):
    """A reader process could not do its job; read in-process instead."""


def _send(stream: IO[bytes], value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise EOFError("reader stream closed")
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    if len(payload) != size:
        raise EOFError("reader stream closed mid-message")
    return pickle.loads(payload)


class ReaderProcess:
    """One child process that reads batches of files, one request at a time."""

    def __init__(self, *, executable: str | None = None) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p
        )
        try:
            self._proc = subprocess.Popen(
                [executable or sys.executable, "-c", CHILD_COMMAND],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            raise ReaderUnavailable(f"cannot start a reader process: {exc}") from exc
        self._lock = threading.Lock()

    def read(
        self, paths: Sequence[Path], *, language: str | None, headline_rule: str = "sentence"
    ) -> FolderBatch:
        """Read `paths` in the child (blocking; call it from a thread)."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        with self._lock:
            try:
                _send(stdin, ([str(p) for p in paths], language, headline_rule))
                reply = _receive(stdout)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError) as exc:
                raise ReaderUnavailable(f"reader process failed: {exc}") from exc
        if not isinstance(reply, tuple) or not reply or reply[0] != "ok":
            detail = reply[1] if isinstance(reply, tuple) and len(reply) > 1 else reply
            raise ReaderUnavailable(f"reader process failed: {detail}")
        _, batch, records = reply
        for name, level, message in records:
            logging.getLogger(name).log(level, "%s", message)
        if not isinstance(batch, FolderBatch):
            raise ReaderUnavailable("reader process answered something else than a batch")
        return batch

    def close(self) -> None:
        """Ask the child to end (EOF on its stdin); kill it if it does not."""
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            if self._proc.stdout is not None:
                self._proc.stdout.close()


class _Collect(logging.Handler):
    """Keeps the child's warnings so that the parent logs them through its own handlers."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child's loop: one reply per request until the parent closes stdin."""
    collect = _Collect()
    logging.getLogger().addHandler(collect)
    logging.getLogger().setLevel(logging.WARNING)
    while True:
        try:
            paths, language, headline_rule = _receive(stdin)
        except EOFError:
            return
        collect.records = []
        try:
            batch = read_files(
                [Path(p) for p in paths], language=language, headline_rule=headline_rule
            )
            reply: tuple[Any, ...] = ("ok", batch, collect.records)
        except Exception as exc:  # the parent falls back to reading in-process
            reply = ("error", f"{type(exc).__name__}: {exc}")
        _send(stdout, reply)


def main() -> None:
    """The child's entry point, over its own stdin and stdout."""
    # The protocol owns the real stdout; anything a library prints goes to stderr.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, replies)


#: What a child runs. Not `python -m ingest.parse.readers`: importing the package `ingest`
#: imports this module, so runpy then ran it a second time as `__main__`, and every reader
#: process printed a RuntimeWarning about it to the worker's log.
CHILD_COMMAND = "from ingest.parse.readers import main; main()"


if __name__ == "__main__":
    main()
