"""The charts' choices measured: the scatter as the Segments page builds it, its JSON through
our `Figure` against a plain `go.Figure`, and the slim template against plotly_white.

    python benchmarks/charts.py                  # 1,000,000 customers, best of 5
    python benchmarks/charts.py --rows 100000 --repeat 9

Each pair is timed alternately in one process (best of --repeat), so the ratio holds on a
busy machine; the fit itself is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_of  # noqa: E402

from segmentation import charts, fit_segments, make_sample_customers  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    frame = make_sample_customers(args.rows, random_state=7)
    features = [c for c in frame.columns if c != "customer_id"]
    seg = fit_segments(frame, features, 5)
    names = [f"Segment {s}" for s in range(1, 6)]

    def scatter() -> go.Figure:
        return charts.scatter_figure(
            frame, seg, names, x=features[0], y=features[1], id_column="customer_id"
        )

    fig = scatter()  # Plotly loads its validators on a process's first figure
    slim = fig.to_dict()
    full = {**slim, "layout": {**slim["layout"], "template": pio.templates["plotly_white"]}}
    assert fig.to_json() == pio.to_json(go.Figure.to_dict(fig), validate=False)
    rows = [
        ("scatter figure (scatter_figure)", scatter),
        ("figure JSON, our Figure (text as lists)", fig.to_json),
        (
            "figure JSON, go.Figure's to_dict (text as object arrays)",
            lambda: pio.to_json(go.Figure.to_dict(fig), validate=False),
        ),
        ("figure built, slim template", lambda: charts.Figure(slim)),
        ("figure built, full plotly_white", lambda: go.Figure(full)),
    ]
    load = os.getloadavg()[0]
    drawn = sum(len(t.x) for t in fig.data[:-1])
    print(
        f"{args.rows:,} customers, {drawn:,} points drawn, best of {args.repeat}, load {load:.2f}"
    )
    width = max(len(name) for name, _ in rows)
    for name, fn in rows:
        print(f"  {name:<{width}}  {best_of(fn, args.repeat):8.4f} s")
    for name, template in (
        ("slim", charts.TEMPLATE),
        ("full plotly_white", full["layout"]["template"]),
    ):
        size = len(json.dumps(template.to_plotly_json())) / 1e3
        print(f"  template JSON sent with every figure, {name}: {size:.1f} kB")


if __name__ == "__main__":
    main()
