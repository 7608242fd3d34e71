"""Commands that run the scheduled worker."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
