"""The `newsledger` console script: what must work before the command line's imports have
finished. They take about two seconds (the feeds' compiled patterns, SQLAlchemy, numpy):
`--version` waited for all of them, and a Ctrl-C in that time printed a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from newsledger import __version__

        # click's version_option says the same (newsledger.cli), after the imports.
        print(f"newsledger, version {__version__}")
        return
    try:
        from newsledger.cli import main as run
    except KeyboardInterrupt:
        # Nothing has started yet: the same lines and status as click's own Ctrl-C (a line
        # break first, so the message does not follow the terminal's "^C").
        print("\nAborted!", file=sys.stderr)
        raise SystemExit(1) from None
    run(argv)
