"""The documents a publish wrote, for comparing two publishes byte for byte: every file
but the publisher's own (its manifest and lock, dotfiles)."""

from __future__ import annotations

from pathlib import Path


def published_files(root: Path) -> dict[str, bytes]:
    """Each published document's bytes, by its path relative to `root`."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }
