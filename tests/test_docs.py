"""The README stays true to the code: every command and environment variable is documented."""

from __future__ import annotations

from pathlib import Path

import click

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
