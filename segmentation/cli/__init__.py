"""The command line for analysts and scheduled jobs: ``python -m segmentation COMMAND ...``.

Each command lives in the module of the capability it runs and registers itself here with
two functions: ``add_parser(subparsers)`` and the ``run(args) -> int`` it sets as
``func``. Errors the user can fix end with exit status 2 and one line on standard error
naming the problem, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from segmentation.cli import customers, saved
from segmentation.errors import SegmentationError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the problem and where to read more)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command registered.

    >>> build_parser().prog
    'python -m segmentation'
    """
    parser = _Parser(
        prog="python -m segmentation",
        description="Customer segments from the command line: build, save and apply them.",
    )
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, parser_class=_Parser
    )
    for command in (customers, saved):
        command.add_parser(commands)
    return parser


def fail(message: str) -> int:
    """Print one line naming the problem on standard error; the exit status of a user error."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status (0 done, 2 a problem the user can fix)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SegmentationError as problem:
        return fail(str(problem))
    except OSError as problem:
        where = f" ({problem.filename})" if problem.filename else ""
        return fail(f"{problem.strerror or problem}{where}: check the path and permissions")
    except KeyboardInterrupt:
        return fail("interrupted")
