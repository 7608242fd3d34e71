"""A private Docker engine for the smoke test: Debian's dockerd on its own socket, started
and always stopped by the test, with its images cached between runs on this machine."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Where the engine keeps images and build cache between runs (CI runs on this machine).
CACHE = Path(os.environ.get("NEWSLEDGER_CI_CACHE", "/var/cache/newsledger-ci"))
#: Short: the socket paths under it must fit in a sockaddr_un (108 bytes).
RUN_DIR = Path("/run/newsledger-ci")


class CommandFailed(AssertionError):
    """A docker or compose command exited non-zero; the message carries its output."""


@dataclass(frozen=True)
class Engine:
    """A running dockerd and the commands that talk to it."""

    docker_cli: str
    compose_cli: str
    socket: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
        env["DOCKER_HOST"] = f"unix://{self.socket}"
        env["DOCKER_BUILDKIT"] = "1"  # the Dockerfile uses build secrets and bind mounts
        return env

    def run(
        self,
        args: list[str],
        *,
        cwd: Path | None = None,
        timeout: float = 300,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            args,
            cwd=cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise CommandFailed(
                f"{' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def docker(self, *args: str, timeout: float = 300, check: bool = True) -> str:
        return self.run([self.docker_cli, *args], timeout=timeout, check=check).stdout.strip()

    def has_image(self, tag: str) -> bool:
        return self.run([self.docker_cli, "image", "inspect", tag], check=False).returncode == 0


def _docker_cli() -> str:
    """The docker.io package's own client (20.10, like its daemon, with BuildKit built in);
    a newer client earlier on PATH may lack the buildx plugin `docker build` now needs."""
    packaged = Path("/usr/bin/docker")
    return str(packaged) if packaged.exists() else shutil.which("docker") or "docker"


def _stop_leftover(pidfile: Path) -> None:
    """A dockerd left by a run that was killed outright (its pidfile would block this one)."""
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
        pid = int(pidfile.read_text().strip())
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        if Path(argv0.decode()).name == "dockerd":
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)


def remove_everything(engine: Engine) -> None:
    """No container, volume or network outlives a run: a container left running with
    `restart: unless-stopped` would come back when the next run starts the engine."""
    containers = engine.docker("ps", "-aq").split()
    if containers:
        engine.docker("rm", "-f", "-v", *containers, check=False)
    engine.docker("volume", "prune", "-f", check=False)
    engine.docker("network", "prune", "-f", check=False)


@contextlib.contextmanager
def running_engine(log: Path) -> Iterator[Engine]:
    """Start dockerd (one at a time on this machine), yield it, and always stop it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pidfile, socket = RUN_DIR / "dockerd.pid", RUN_DIR / "docker.sock"
        _stop_leftover(pidfile)
        socket.unlink(missing_ok=True)
        with open(log, "ab") as out:
            daemon = subprocess.Popen(
                [
                    shutil.which("dockerd") or "dockerd",
                    "--storage-driver=overlay2",
                    # No iptables here: containers on a bridge reach each other and the
                    # published ports (docker-proxy), but not the outside; builds use the
                    # host's network.
                    "--iptables=false",
                    "--ip6tables=false",
                    "--bridge=none",
                    "--data-root", str(CACHE / "docker"),
                    "--exec-root", str(RUN_DIR / "exec"),
                    "--pidfile", str(pidfile),
                    "-H", f"unix://{socket}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        engine = Engine(_docker_cli(), shutil.which("docker-compose") or "", socket)
        try:
            deadline = time.monotonic() + 60
            while engine.run([engine.docker_cli, "version"], check=False).returncode != 0:
                if daemon.poll() is not None or time.monotonic() > deadline:
                    raise CommandFailed(f"dockerd did not start:\n{log.read_text()[-4000:]}")
                time.sleep(0.3)
            remove_everything(engine)
            yield engine
        finally:
            with contextlib.suppress(Exception):
                remove_everything(engine)
                # Bounded growth of the cache: earlier builds of the image and old layers.
                engine.docker("image", "prune", "-f", check=False)
                engine.docker("builder", "prune", "-f", "--keep-storage", "3GB", check=False)
            daemon.terminate()
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
