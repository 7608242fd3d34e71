"""The README stays true to the code: every command and environment variable is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from newsledger.cli import cli
from newsledger.config import ENVIRONMENT

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _command_paths(group: click.Group, prefix: str = "newsledger") -> list[str]:
    paths = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, f"{prefix} {name}"))
        else:
            paths.append(f"{prefix} {name}")
    return paths


def test_every_command_is_in_the_readme() -> None:
    missing = [path for path in _command_paths(cli) if f"`{path}" not in README]
    assert missing == []


def test_every_option_of_every_command_is_in_the_readme() -> None:
    missing = []
    for path in _command_paths(cli):
        words = path.split()[1:]
        command: click.Command = cli
        for word in words:
            assert isinstance(command, click.Group)
            command = command.commands[word]
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                longest = max(parameter.opts, key=len)
                if longest not in README:
                    missing.append(f"{path} {longest}")
    assert missing == []


def test_every_environment_variable_is_in_the_readme() -> None:
    assert [name for name in ENVIRONMENT if f"`{name}`" not in README] == []


def _config_examples() -> list[tuple[str, str]]:
    """Every TOML block of the README and docs/ that is a whole configuration (a fragment,
    such as a lone `[[topics.rules]]` shown on its own, starts with that line)."""
    import re

    root = Path(__file__).resolve().parent.parent
    found = []
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for n, block in enumerate(re.findall(r"```toml\n(.*?)```", text, flags=re.S)):
            first = next(line for line in block.splitlines() if line.strip())
            if first.startswith("[") and not first.startswith("[[topics.rules]]"):
                found.append((f"{doc.name}#{n + 1}", block))
    return found


_EXAMPLES = _config_examples()


@pytest.mark.parametrize(("where", "block"), _EXAMPLES, ids=[where for where, _ in _EXAMPLES])
def test_every_configuration_example_in_the_docs_is_accepted(
    where: str, block: str, tmp_path: Path
) -> None:
    """A user pastes them: the README's `[[topics]]` example once lacked its rule's `id`,
    and every command refused the file."""
    from newsledger.app import App
    from newsledger.config import load_settings
    from newsledger.worker.settings import parse_worker_settings

    path = tmp_path / "newsledger.toml"
    path.write_text(block, encoding="utf-8")
    app = App(settings=load_settings(str(path), environ={}))
    try:
        assert app.ingest_config is not None and app.feeds_config is not None
        parse_worker_settings(app.settings.raw, file=app.settings.name, environ={})
    finally:
        app.close()
