"""The report and the campaign pack measured: server time, size and memory, beside the
classic way of building the same ZIP.

    python benchmarks/share.py                          # 100k and 1M customers, best of 2
    python benchmarks/share.py --sizes 100000 --repeat 3

For each size: sample customers with a revenue column, read from CSV bytes as an upload is,
segmented as the app does (sweep, then the recommended k); none of that is timed. Then:

* value per segment: `value.segment_value(frame, seg, "revenue")`;
* report: `report.build_report(...)` with the sweep, value and notes (`Download report`);
* pack, ours: `pack.write_pack(file, ...)` with that report, streamed into a file on disk
  (ISA-L deflate at `pack.COMPRESS_LEVEL`);
* pack, ours in memory: `pack.pack_bytes(...)`, what `Download campaign pack` hands over;
* pack, zlib level 1 / level 6: ours with the standard library's zlib compressor instead;
* pack, classic: pandas `to_csv` of the labelled table and of each segment's rows, each
  added with `ZipFile.writestr` (ZIP_DEFLATED, default level).

"CPU s" is the process's CPU time (every thread) of the stage: what it costs whatever the
load; on two free cores the wall time is at most that. "peak MB" is the stage's own peak
RSS above what the process held when it started (Linux resets the peak per stage, see
`benchmarks/common.py`). Ratios in one run are what count: the load average is printed
beside the figures.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Recorder, fmt_mb, fmt_seconds, table  # noqa: E402
from segmentation import (  # noqa: E402
    evaluate_prepared,
    fit_prepared,
    make_sample_customers,
    prepare_features,
    profile_segments,
    read_customers,
)
from segmentation import pack as core_pack  # noqa: E402
from segmentation.export import labelled_customers  # noqa: E402
from segmentation.report import build_report  # noqa: E402
from segmentation.value import segment_value  # noqa: E402

FEATURES = ("annual_income", "spending_score", "purchase_frequency", "recency_days")


def classic_pack(data, seg, names, report_html: str, sink) -> None:
    """The same members, written the way a pandas user would."""
    table_ = labelled_customers(data, seg, names)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.html", report_html)
        archive.writestr("customers_labelled.csv", table_.to_csv(index=False))
        for s in range(1, seg.k + 1):
            rows = table_[np.asarray(seg.labels) == s - 1]
            archive.writestr(f"segments/{s}.csv", rows.to_csv(index=False))


def one_size(n: int, repeat: int, workdir: Path) -> list[list[str]]:
    frame = make_sample_customers(n, random_state=7)
    frame["revenue"] = (frame["avg_order_value"] * frame["purchase_frequency"]).round(2)
    data = read_customers(frame.to_csv(index=False).encode(), name=f"customers_{n}.csv")
    prepared = prepare_features(data.frame, FEATURES)
    choice = evaluate_prepared(prepared)
    k = choice.recommended
    seg = fit_prepared(prepared, k, start=choice.start_centres.get(k))
    profiles = profile_segments(data.frame, seg)
    names = list(profiles.names)
    notes = {1: "Spring catalogue first", 2: "Win-back offer"}
    rec = Recorder(repeat=repeat)
    cpu: dict[str, float] = {}

    def run(name, fn):
        """`rec.run`, also keeping the least CPU time (all threads) of the repeats: on a
        busy machine wall time stretches, CPU time much less."""

        def counted():
            start = time.process_time()
            result = fn()
            spent = time.process_time() - start
            cpu[name] = min(cpu.get(name, spent), spent)
            return result

        return rec.run(name, counted)

    build_report(data, seg, names, profiles=profiles, max_points=500)  # Plotly's first figure
    core_pack.pack_bytes(data, seg, names, profiles=profiles)  # first use of each library

    value = run("value per segment", lambda: segment_value(data.frame, seg, "revenue"))
    report = run(
        "report",
        lambda: build_report(
            data, seg, names, choice=choice, profiles=profiles, value=value, notes=notes
        ),
    )
    sizes = {"report": len(report.encode())}
    target = workdir / "pack.zip"

    def ours() -> None:
        with open(target, "wb") as sink:
            core_pack.write_pack(
                sink, data, seg, names, profiles=profiles, value=value, report_html=report
            )
        sizes[current] = target.stat().st_size

    current = "pack, ours"
    run(current, ours)

    def in_memory() -> None:
        blob = core_pack.pack_bytes(
            data, seg, names, profiles=profiles, value=value, report_html=report
        )
        sizes["pack, ours in memory"] = len(blob)

    run("pack, ours in memory", in_memory)
    deflater = core_pack._deflater
    for level in (1, 6):
        core_pack._deflater = lambda level=level: zlib.compressobj(level, zlib.DEFLATED, -15)
        current = f"pack, zlib level {level}"
        try:
            run(current, ours)
        finally:
            core_pack._deflater = deflater

    def classic() -> None:
        sink = io.BytesIO()
        classic_pack(data, seg, names, report, sink)
        sizes["pack, classic"] = sink.tell()

    run("pack, classic", classic)
    ours_time = rec.stages["pack, ours"].seconds
    rows = []
    for name, stage in rec.stages.items():
        ratio = ""
        if name != "pack, ours" and name.startswith("pack") and stage.seconds and ours_time:
            ratio = f"{stage.seconds / ours_time:.1f}x ours"
        size = sizes.get(name)
        rows.append(
            [
                f"{n:,} · {name}",
                fmt_seconds(stage.seconds),
                fmt_seconds(cpu.get(name)),
                "" if size is None else f"{size / 1e6:.1f}",
                fmt_mb((stage.peak_mb or 0) - (stage.start_mb or 0)) if stage.peak_mb else "",
                ratio,
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for n in args.sizes:
            print(f"{n:,} customers…", file=sys.stderr)
            rows += one_size(n, args.repeat, Path(workdir))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        table(
            ["customers · stage", "seconds", "CPU s", "size MB", "peak MB", "vs ours"],
            rows,
            title=f"Report and campaign pack (best of {args.repeat}; load average {load})",
        )
    )


if __name__ == "__main__":
    main()
