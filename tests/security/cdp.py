"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
load a page, see every JavaScript dialog it opens, and run a script in it. No driver or
websocket library is needed: messages are JSON texts ended by NUL on fds 3 and 4."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from typing import Any

from tests.conftest import require_tool
from tests.feeds.chromium import FLAGS  # one set of flags for every Chromium the tests start


class Browser:
    """One Chromium process with a fresh profile; `dialogs` lists every dialog's message."""

    def __init__(self) -> None:
        chromium = require_tool("chromium", "chromium")
        self._profile = tempfile.TemporaryDirectory(prefix="nl-cdp-", ignore_cleanup_errors=True)
        to_chrome, self._out = os.pipe()
        self._in, from_chrome = os.pipe()

        def wire() -> None:  # in the child: its fd 3 reads our commands, fd 4 answers
            reading, writing = os.dup(to_chrome), os.dup(from_chrome)  # neither is 3 or 4 now
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                chromium,
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=wire,
            start_new_session=True,  # its renderers and crashpad die with it in close()
            pass_fds=(3, 4),  # kept open after preexec_fn put the pipes there
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next = 0
        self.dialogs: list[str] = []
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: bool = False,
        timeout: float = 30,
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._read(deadline):
                if reply.get("id") == self._next:
                    if "error" in reply:
                        raise AssertionError(f"{method}: {reply['error']}")
                    result: dict[str, Any] = reply.get("result", {})
                    return result

    def _read(self, deadline: float) -> list[dict[str, Any]]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("Chromium did not answer in time")
        ready, _, _ = select.select([self._in], [], [], remaining)
        if not ready:
            return []
        chunk = os.read(self._in, 1 << 20)
        if not chunk:
            raise AssertionError("Chromium closed the pipe")
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\0")
        messages = [json.loads(m) for m in complete if m]
        for message in messages:
            if "method" in message:
                self._event(message)
        return messages

    def _event(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        if message["method"] == "Page.javascriptDialogOpening":
            self.dialogs.append(str(message["params"].get("message")))
            # Dismiss it so the page goes on (and can open the next one).
            os.write(
                self._out,
                json.dumps(
                    {
                        "id": 0,
                        "sessionId": self.session,
                        "method": "Page.handleJavaScriptDialog",
                        "params": {"accept": False},
                    }
                ).encode()
                + b"\0",
            )

    def open(self, url: str, *, settle: float = 1.0) -> None:
        """Navigate and wait for the load event, then `settle` seconds for late scripts."""
        seen = len(self.events)
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + 30
        while not any(e["method"] == "Page.loadEventFired" for e in self.events[seen:]):
            self._read(deadline)
        self.wait(settle)

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read(deadline)

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
        )
        return result["result"].get("value")

    def close(self) -> None:
        # The whole group: a renderer outliving the browser keeps writing to the profile.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        os.close(self._out)
        os.close(self._in)
        self._profile.cleanup()
