"""Does reading an Excel sheet hold Python's interpreter? A 10 ms ticker thread says.

    python benchmarks/excel_gil.py                       # 491,520 rows x 3, python-calamine
    python benchmarks/excel_gil.py --rows 100000 --engine openpyxl

Prints the read's time and the longest gap the ticker saw: a gap of seconds is what every
other session of the app (and the server's health check) would wait while one user's
workbook is read in the server's process.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import costly  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=491_520)
    parser.add_argument("--engine", choices=("calamine", "openpyxl"), default="calamine")
    args = parser.parse_args()
    data = costly.xlsx_bomb(args.rows)
    gaps, done = [0.0], threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    start = time.perf_counter()
    if args.engine == "calamine":
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python()
    else:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    seconds = time.perf_counter() - start
    done.set()
    ticker.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{args.engine}: {len(rows):,} rows in {seconds:.2f} s; longest ticker gap "
          f"{max(gaps):.3f} s; peak {peak} MB; load {load}")


if __name__ == "__main__":
    main()
