"""Stand-ins for the base images, made from Debian's packages: no registry is reachable here.

`python:3.11-slim` is a debootstrap of bookworm with python3 (3.11), pip and the host's
extra CA certificates (the package index is reached through a TLS-intercepting proxy);
`postgres:16` is Debian's postgresql behind an entry point that honours the official
image's POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB. Both are built once and kept in
the engine's cache; the rootfs tarball is kept too, so a wiped engine does not debootstrap.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.docker.engine import CACHE, Engine

HERE = Path(__file__).resolve().parent
SUITE = "bookworm"
PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
EXTRA_CA = Path("/usr/local/share/ca-certificates")
BASE_TAG = "newsledger-ci/bookworm:latest"
PYTHON_TAG = "python:3.11-slim"
POSTGRES_TAG = "postgres:16"
KEY_LABEL = "newsledger.ci.key"


def apt_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 or one-line sources)."""
    texts = [
        p.read_text()
        for p in sorted(Path("/etc/apt").rglob("*"))
        if p.suffix in (".list", ".sources")
    ]
    for text in texts:
        for stanza in text.split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:(.*)$", stanza, re.M)
            if uris and suites and SUITE in suites.group(1).split():
                return uris.group(1)
        line = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+{SUITE}\s", text, re.M)
        if line:
            return line.group(1)
    return "http://deb.debian.org/debian"


def _key(mirror: str) -> str:
    """What the rootfs depends on: a change of any of it builds a new one."""
    digest = hashlib.sha256(f"{SUITE} {PACKAGES} {mirror}".encode())
    for cert in sorted(EXTRA_CA.glob("*.crt")):
        digest.update(cert.read_bytes())
    return digest.hexdigest()[:16]


def _rootfs_tarball(mirror: str, key: str) -> Path:
    tarball = CACHE / f"{SUITE}-python-{key}.tar"
    if tarball.exists():
        return tarball
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        root = Path(tmp) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", SUITE, str(root), mirror],
            check=True,
            capture_output=True,
        )
        (root / "usr/bin/python").symlink_to("python3")
        for marker in (root / "usr/lib").glob("python3*/EXTERNALLY-MANAGED"):
            marker.unlink()
        for cert in EXTRA_CA.glob("*.crt"):
            shutil.copy(cert, root / "usr/local/share/ca-certificates" / cert.name)
        subprocess.run(
            ["chroot", str(root), "update-ca-certificates"], check=True, capture_output=True
        )
        (root / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
        shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
        (root / "var/cache/apt/archives/partial").mkdir(parents=True)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "-cf", str(partial), "."], check=True)
        partial.rename(tarball)
    return tarball


def _label(engine: Engine, tag: str) -> str:
    if not engine.has_image(tag):
        return ""
    return engine.docker(
        "image", "inspect", "-f", f'{{{{index .Config.Labels "{KEY_LABEL}"}}}}', tag
    )


def python_slim(engine: Engine) -> None:
    """Import the python:3.11-slim stand-in (and the same rootfs as the Debian base)."""
    mirror = apt_mirror()
    key = _key(mirror)
    if _label(engine, PYTHON_TAG) == key and engine.has_image(BASE_TAG):
        return
    tarball = _rootfs_tarball(mirror, key)
    engine.run(
        [
            engine.docker_cli, "import",
            "--change", "ENV LANG=C.UTF-8",
            "--change", f"LABEL {KEY_LABEL}={key}",
            "--change", 'CMD ["python3"]',
            str(tarball), PYTHON_TAG,
        ],
        timeout=600,
    )  # fmt: skip
    engine.docker("tag", PYTHON_TAG, BASE_TAG)


def postgres(engine: Engine) -> None:
    """Build the postgres:16 stand-in (Debian's PostgreSQL) unless it is built already."""
    digest = hashlib.sha256(engine.docker("image", "inspect", "-f", "{{.Id}}", BASE_TAG).encode())
    for part in sorted((HERE / "postgres").iterdir()):
        digest.update(part.name.encode() + part.read_bytes())
    key = digest.hexdigest()[:16]
    if _label(engine, POSTGRES_TAG) == key:
        return
    engine.run(
        [
            engine.docker_cli, "build", "--network=host", "-q",
            "--label", f"{KEY_LABEL}={key}", "-t", POSTGRES_TAG, str(HERE / "postgres"),
        ],
        timeout=900,
    )  # fmt: skip
