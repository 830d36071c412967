"""How long Chromium takes to draw the Segments scatter, ours against two variants.

    python benchmarks/scatter_redraw.py              # the shared datasets, k = 7
    python benchmarks/scatter_redraw.py --k 10 --repeat 9

For each shared dataset the scatter is built as the app builds it (`charts.scatter_figure`,
its first two numeric features with more than five values, k segments), then drawn in
Debian's Chromium (headless, software WebGL) with the plotly.js the `plotly` package ships,
`--repeat` times each in a fresh element; the median time from `Plotly.newPlot` to the
next frame is printed, for:

- ours:            the figure as the app sends it (SVG up to `SVG_MAX_POINTS` drawn
                   customers, WebGL above; fixed margins);
- WebGL:           the same figure with every trace `scattergl`;
- fitted margins:  the same figure with Plotly's axis `automargin` on (plotly_white's
                   default), which makes Plotly measure the tick labels and draw again;
- WebGL ratio 2:   ours with Plotly's default `plotGlPixelRatio` of 2 (WebGL drawn at twice
                   the screen's pixels each way) instead of the app's `charts.SCATTER_CONFIG`;
- in place:        ours drawn with `Plotly.react` over the scatter at k - 1 already on the
                   page, as the app's k step does (`ui/live_chart.py`), instead of a new chart.

Every variant is drawn with the app's Plotly config (`charts.SCATTER_CONFIG`) unless it
says otherwise.

A k step in the app redraws this chart, so its time is a floor under each step's wait.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd
import plotly
import plotly.io as pio
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segmentation import charts, fit_segments  # noqa: E402
from segmentation.io import read_customers  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
VARIANTS = ("ours", "WebGL", "fitted margins", "WebGL ratio 2", "in place")

DRAW = """async ([spec, variant, repeat, config, before]) => {
    const fig = JSON.parse(spec);
    if (variant === 'WebGL ratio 2') config = {...config, plotGlPixelRatio: 2};
    if (variant === 'WebGL') fig.data.forEach(t => { t.type = 'scattergl'; });
    if (variant === 'fitted margins') {
        fig.layout.xaxis.automargin = true;
        fig.layout.yaxis.automargin = true;
    }
    const times = [];
    for (let i = 0; i < repeat; i++) {
        const div = document.createElement('div');
        div.style.width = '1200px';
        document.body.appendChild(div);
        if (variant === 'in place') {
            const old = JSON.parse(before);
            await Plotly.newPlot(div, old.data, old.layout, config);
            await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
        }
        const start = performance.now();
        if (variant === 'in place') await Plotly.react(div, fig.data, fig.layout, config);
        else await Plotly.newPlot(div, fig.data, fig.layout, config);
        await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
        times.push(performance.now() - start);
        Plotly.purge(div);
        div.remove();
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(repeat / 2)];
}"""


def scatter_json(path: Path, k: int) -> tuple[str, int]:
    """The app's scatter of ``path`` at ``k`` as JSON, and the customers drawn."""
    data = read_customers(path.read_bytes(), name=path.name)
    frame = data.frame
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique() > 5
    ][:2]
    filled = frame.fillna(frame[numeric].median())
    seg = fit_segments(filled, numeric, k)
    fig = charts.scatter_figure(filled, seg, [f"Segment {s + 1}" for s in range(k)])
    return pio.to_json(fig), len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = []
    with sync_playwright() as pw:
        launch = {"args": ["--headless", "--no-sandbox", "--disable-gpu"]}
        if Path(CHROMIUM).exists():
            launch["executable_path"] = CHROMIUM
        browser = pw.chromium.launch(**launch)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(PLOTLY_JS))
        for path in sorted(DATASETS.glob("*.csv")):
            spec, n = scatter_json(path, args.k)
            before, _ = scatter_json(path, args.k - 1)
            kind = json.loads(spec)["data"][0]["type"]
            config = charts.SCATTER_CONFIG
            times = [
                page.evaluate(DRAW, [spec, v, args.repeat, config, before]) for v in VARIANTS
            ]
            rows.append((path.name, n, kind, times))
        browser.close()
    print(
        f"scatter drawn in Chromium, k={args.k}, median of {args.repeat} "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    header = f"{'dataset':26} {'customers':>9} {'ours is':>9}" + "".join(
        f"{v:>16}" for v in VARIANTS
    )
    print(header)
    print("-" * len(header))
    for name, n, kind, times in rows:
        print(f"{name:26} {n:>9,} {kind:>9}" + "".join(f"{t:>13.0f} ms" for t in times))


if __name__ == "__main__":
    main()
