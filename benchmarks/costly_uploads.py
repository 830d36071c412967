"""Time and peak memory of reading each costly file (tests/costly.py), each in its own process.

    python benchmarks/costly_uploads.py                  # every file, this checkout
    python benchmarks/costly_uploads.py --root /other/checkout --timeout 120

Each file is read by `read_customers` in a fresh Python process; the time is the read
alone (imports and the file's bytes are loaded first), the peak memory is the process's
(imports included: a bare `import segmentation` holds ~150 MB). A read still running after
--timeout seconds, or past --memory-cap MB, is killed and shown as such.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import costly  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose core is read")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--memory-cap", type=float, default=3000.0, help="MB")
    parser.add_argument("--only", nargs="*", help="case names")
    args = parser.parse_args()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"benchmarks/costly_uploads.py  core: {args.root}  load {load}")
    print(f"{'file':24s} {'MB':>7s}  {'outcome':8s} {'seconds':>8s} {'peak MB':>8s}  message")
    with tempfile.TemporaryDirectory() as tmp:
        for case in costly.CASES:
            if args.only and case.name not in args.only:
                continue
            path = Path(tmp) / case.filename
            path.write_bytes(case.build())
            size = path.stat().st_size / 1e6
            (got,) = costly.read_in_child(
                [path], root=args.root, timeout=args.timeout, memory_cap_mb=args.memory_cap
            )
            message = got.message if got.outcome != "table" else f"table {got.shape}"
            print(
                f"{case.filename:24s} {size:7.2f}  {got.outcome:8s} {got.seconds:8.2f} "
                f"{got.peak_mb:8.0f}  {message[:110]}",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
