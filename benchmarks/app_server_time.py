"""Server time of the app's interactions, measured headless with Streamlit's AppTest.

Usage: ``python benchmarks/app_server_time.py [--rows 100000 1000000] [--root DIR ...]``

For each size and each app tree (``--root``, default this checkout) a fresh process first
visits every page on the built-in sample, as the server's first visitor would (a running
server has compiled its pages and loaded Plotly once; those one-time costs are not an
interaction's), then uploads a generated customer file on the Data page and times, in
seconds of AppTest ``run()``: the upload run, the first Segments view (the k sweep and the
fit), a k step to a new k, a k step back to a visited k, a plain rerun, a feature taken
out (new preparation, sweep and fit), another scaling (the same again), the Profiles page
and the Export page. The machine is shared: compare trees measured in the same run (ratios).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = (
    "upload",
    "segments view",
    "k new",
    "k back",
    "rerun",
    "feature off",
    "scaling",
    "profiles",
    "export",
)

CHILD = r"""
import io, json, os, sys, time
sys.path.insert(0, os.getcwd())
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from segmentation.sample import make_sample_customers

original = PagesManager.__init__
def init(self, *a, **kw):
    original(self, *a, **kw)
    PagesManager.uses_pages_directory = False
PagesManager.__init__ = init

n = int(sys.argv[1])
buf = io.StringIO()
make_sample_customers(n).to_csv(buf, index=False)
data = buf.getvalue().encode()

def timed(fn):
    t = time.perf_counter()
    at = fn()
    dt = time.perf_counter() - t
    assert not at.exception, [e.value for e in at.exception]
    return at, dt

out = {}
at = AppTest.from_file("app.py", default_timeout=600)
at.run()
for page in ("pages/segments.py", "pages/profiles.py", "pages/export.py", "pages/data.py"):
    at.switch_page(page).run()  # warm-up on the sample: not timed
at, out["upload"] = timed(
    lambda: at.file_uploader(key="w.upload").set_value(("c.csv", data, "text/csv")).run()
)
at, out["segments view"] = timed(lambda: at.switch_page("pages/segments.py").run())
k = int(at.slider(key="w.k").value)
new = k + 1 if k < 10 else k - 1
at, out["k new"] = timed(lambda: at.slider(key="w.k").set_value(new).run())
at, out["k back"] = timed(lambda: at.slider(key="w.k").set_value(k).run())
at, out["rerun"] = timed(lambda: at.run())
features = list(at.multiselect(key="w.features").value)
at, out["feature off"] = timed(
    lambda: at.multiselect(key="w.features").set_value(features[:-1]).run()
)
at, out["scaling"] = timed(lambda: at.selectbox(key="w.scaler").set_value("minmax").run())
at, out["profiles"] = timed(lambda: at.switch_page("pages/profiles.py").run())
at, out["export"] = timed(lambda: at.switch_page("pages/export.py").run())
print(json.dumps(out))
"""


def measure(root: Path, n: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(n)], cwd=root, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{root} at {n:,} rows failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--root", type=Path, nargs="+", default=[ROOT])
    parser.add_argument("--repeat", type=int, default=1, help="alternating rounds per size")
    args = parser.parse_args()
    for n in args.rows:
        results = {str(r): [] for r in args.root}
        for _ in range(args.repeat):
            for root in args.root:  # alternate trees so load affects both alike
                t = time.perf_counter()
                results[str(root)].append(measure(root, n))
                print(f"  {root} {n:,}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
        print(f"\n{n:,} rows: seconds of server time per step, median and slowest of the runs")
        print(f"{'step':<15}" + "".join(f"{Path(r).name:>18}" for r in results))
        for step in STEPS:
            cells = []
            for runs in results.values():
                values = sorted(run[step] for run in runs)
                cells.append(f"{values[len(values) // 2]:>11.3f} ({values[-1]:.3f})")
            print(f"{step:<15}" + "".join(cells))


if __name__ == "__main__":
    main()
