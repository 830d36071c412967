"""The command line for analysts and scheduled jobs: ``python -m segmentation COMMAND ...``.

Each command lives in its own module here (``customers``, ``saved``) whose
``add_parser(subparsers)`` registers it, setting the module's private runner
(``args -> int``) as ``func``. Errors the user can fix end with exit status 2 and one
line on standard error naming the problem, never a traceback.
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
    """Print one line naming the problem on standard error; the exit status of a user error.

    >>> fail("no column 'spend' in customers.csv")  # the line goes to standard error
    2
    """
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status (0 done, 2 a problem the user can fix).

    Examples
    --------
    Fit two segments on a customers file and label a file with them (what was done is
    said on standard error); a problem is one line there and exit status 2:

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = tempfile.TemporaryDirectory()
    >>> at = Path(folder.name)
    >>> rows = "".join(f"c{i},{10 + 90 * (i % 2)},{i % 4}\\n" for i in range(20))
    >>> _ = (at / "customers.csv").write_text("id,spend,visits\\n" + rows)
    >>> main(["fit", str(at / "customers.csv"), "--features", "spend", "--k", "2",
    ...       "-o", str(at / "segments.json")])
    0
    >>> main(["apply", str(at / "segments.json"), str(at / "customers.csv"),
    ...       "-o", str(at / "labelled.csv")])
    0
    >>> print((at / "labelled.csv").read_text().splitlines()[1])  # segment 1, its name, ...
    c0,10,0,1,Very low spending,,2,1
    >>> main(["apply", str(at / "nothing.json"), str(at / "customers.csv")])
    2
    >>> folder.cleanup()
    """
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
