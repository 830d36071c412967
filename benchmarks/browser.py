"""Browser timing of the big-file journey: upload, Segments, k slider steps (issue 4).

One `streamlit run app.py` server on 127.0.0.1 and Debian's Chromium driven by Playwright
(the helpers of `load.py`). Each repeat is a fresh browser context, i.e. a new Streamlit
session on the SAME server, that:

1. opens the app (Data page, built-in sample);
2. uploads the generated CSV through "Upload customer data" and times
   (a) upload request finished -> the Data page shows every row and the run is over;
3. clicks "Segments" in the sidebar and times
   (b) click -> the scatter is drawn (its legend has k segments + "Segment centres", the
   metric "Segments" shows the slider's k) and the run is over; the chart's
   "Showing N of M customers" note is read and printed;
4. steps "Number of segments (k)" with the keyboard (focus + arrow key) and times
   (c) key press -> the metric shows the new k, the scatter's legend has k + 1 entries and
   the run is over; three steps: to a k no session has visited yet, back to the previous
   (visited) k, and forward again to the k just visited.

Repeat 1 is the first upload of these bytes to the server (its caches are cold); later
repeats upload the same bytes in a new session, so the server's caches (keyed on the upload's
digest) are warm for (a) and (b). For (c), repeats alternate direction (right, left, then
two presses right, two left, ...) so the "new k" step always goes to a k no session has
fitted yet. CPU seconds used during each step (psutil) are printed beside the wall time:
the server's (streamlit and its children: the server-side share) and the browser's
(Playwright's driver and Chromium), which share the machine's cores.

Usage::

    python benchmarks/browser.py                       # 1,000,000 rows, 2 repeats
    python benchmarks/browser.py --rows 100000 --repeat 3
    python benchmarks/browser.py --json out.json --screens   # + a screenshot per repeat

Options: --rows N (1000000), --repeat N (2), --timeout S (600, whole run),
--step-timeout S (300, any single wait), --json PATH, --screens.

Bounded: every wait is capped by --step-timeout and by the global --timeout; the server and
the browser are always stopped; only 127.0.0.1 traffic. Browser: $CHROMIUM (default
/usr/bin/chromium), Playwright's own Chromium only when that path does not exist. Never
runs `playwright install`. Not a pass/fail test: exit status 0 when every step was measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import GENERATOR, ROOT, make_customers, table, to_csv_file  # noqa: E402
from load import (  # noqa: E402
    ERRORS,
    IDLE,
    K_LABEL,
    OUT_DIR,
    STATUS,
    UPLOAD_LABEL,
    Deadline,
    SessionFailed,
    first_traceback,
    fmt,
    slider_value,
    wait_metric,
)

from devtools.chromium import launch_options  # noqa: E402
from devtools.serve import start_streamlit, stop_process_tree, wait_healthy  # noqa: E402

SCATTER_TITLE = "Customer segments"  # the scatter's Plotly title starts with it
SHOWING = re.compile(r"Showing ([\d,]+) of ([\d,]+) customers")

STEPS = (
    ("open", "open app (first render, sample)"),
    ("transfer", "upload transfer (file set -> request done)"),
    ("upload", "(a) upload done -> Data page rendered"),
    ("segments", "(b) Segments click -> scatter shown"),
    ("segments_metric", "    of which until metric 'Segments' = k"),
    ("upload_to_scatter", "upload done -> scatter shown (a+nav+b)"),
    ("k_new", "(c) k step to a new k"),
    ("k_new_metric", "    of which until metric shows new k"),
    ("k_back", "(c) k step back to a visited k"),
    ("k_back_metric", "    of which until metric shows k"),
    ("k_again", "(c) k step forward to a visited k"),
    ("k_again_metric", "    of which until metric shows k"),
)


class Measure:
    """Wall seconds and server CPU seconds of one step."""

    def __init__(self, server: psutil.Process) -> None:
        self.server = server
        self.t0 = time.perf_counter()
        self.cpu0 = self._cpu()

    def _cpu(self) -> tuple[float, float]:
        """CPU seconds of the server (with its children) and of the browser (this script's
        other children: Playwright's driver and Chromium's processes)."""
        server = browser = 0.0
        serving = {self.server.pid}
        try:
            serving |= {c.pid for c in self.server.children(recursive=True)}
        except psutil.Error:
            pass
        for p in [self.server, *psutil.Process().children(recursive=True)]:
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            if p.pid in serving:
                server += t.user + t.system
            else:
                browser += t.user + t.system
        return server, browser

    def restart_at(self, t0: float) -> None:
        self.t0 = t0

    def done(self) -> dict[str, float]:
        server, browser = self._cpu()
        return {
            "s": time.perf_counter() - self.t0,
            "server_cpu": server - self.cpu0[0],
            "browser_cpu": browser - self.cpu0[1],
        }


def scatter(page):
    charts = page.locator("[data-testid='stMain'] .js-plotly-plot")
    return charts.filter(has_text=SCATTER_TITLE)


async def wait_or_fail(page, target, deadline: Deadline, what: str) -> None:
    """Wait for `target`; stop at once when an error or exception box is shown instead."""
    errors = page.locator(f"[data-testid='stMain'] :is({ERRORS})")
    try:
        await target.or_(errors).first.wait_for(timeout=deadline.ms())
    except Exception as exc:
        raise SessionFailed(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    if await errors.count():
        text = (await errors.first.inner_text()).strip().replace("\n", " ")
        raise SessionFailed(f"{what}: the page shows an error: {text[:300]}")


async def wait_run_over(page, deadline: Deadline) -> None:
    """The script is not running and no status widget (running / connecting) is shown."""
    await page.locator(IDLE).wait_for(state="attached", timeout=deadline.ms())
    await page.locator(STATUS).first.wait_for(state="detached", timeout=deadline.ms())
    await page.locator(IDLE).wait_for(state="attached", timeout=deadline.ms())


async def wait_scatter(page, k: int, deadline: Deadline, what: str, metric_at: list) -> str:
    """The scatter for `k` is drawn: k segment traces + the centres in its legend, the main
    area's "Segments" metric is k, the run is over. Returns the chart's text (title/notes);
    appends the moment the metric showed k to `metric_at`."""
    await wait_or_fail(
        page,
        page.locator("[data-testid='stMain'] [data-testid='stMetric']").first,
        deadline,
        what,
    )
    await wait_metric(page, "Segments", str(k), deadline)
    metric_at.append(time.perf_counter())
    chart = scatter(page)
    entries = chart.locator(".legend .traces")
    await page.wait_for_function(
        """([sel, n]) => {
            const charts = [...document.querySelectorAll(sel)]
                .filter(c => c.textContent.includes('Customer segments'));
            return charts.length === 1
                && charts[0].querySelectorAll('.legend .traces').length === n;
        }""",
        arg=["[data-testid='stMain'] .js-plotly-plot", k + 1],
        timeout=deadline.ms(),
        polling=50,
    )
    await wait_run_over(page, deadline)
    n = await entries.count()
    if n != k + 1:
        raise SessionFailed(f"{what}: legend has {n} entries after the run, expected {k + 1}")
    return (await chart.locator(".infolayer").first.text_content(timeout=deadline.ms())) or ""


async def journey(
    browser, url: str, csv: Path, rows: int, rep: int, server, deadline, screens: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {"repeat": rep + 1, "steps": {}, "ks": []}
    steps = result["steps"]
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)[:300]))
    upload_done: list[float] = []

    def finished(request) -> None:
        if "/_stcore/upload_file" in request.url and request.method in ("PUT", "POST"):
            upload_done.append(time.perf_counter())

    page.on("requestfinished", finished)
    stage = "open"
    try:
        m = Measure(server)
        await page.goto(url, timeout=deadline.ms(), wait_until="domcontentloaded")
        uploader = page.locator("[data-testid='stFileUploader']").filter(has_text=UPLOAD_LABEL)
        await uploader.wait_for(timeout=deadline.ms())
        await page.locator("[data-testid='stMain'] [data-testid='stMetric']").first.wait_for(
            timeout=deadline.ms()
        )
        await wait_run_over(page, deadline)
        steps["open"] = m.done()

        stage = "upload"
        m = Measure(server)
        await uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            csv, timeout=deadline.ms()
        )
        await wait_or_fail(
            page,
            page.locator("[data-testid='stMetricValue']").filter(
                has_text=re.compile(rf"^\s*{re.escape(f'{rows:,}')}\s*$")
            ),
            deadline,
            "Data page after upload",
        )
        await wait_metric(page, "Customers (rows)", f"{rows:,}", deadline)
        await wait_run_over(page, deadline)
        if not upload_done:
            raise SessionFailed("no finished /_stcore/upload_file request was seen")
        t_upload = upload_done[0]
        steps["transfer"] = {"s": t_upload - m.t0}
        m.restart_at(t_upload)
        steps["upload"] = m.done()

        stage = "segments"
        m = Measure(server)
        link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Segments")
        await link.click(timeout=deadline.ms())
        # The accessible name repeats the label (aria-labelledby): match aria-label exactly.
        slider = page.locator(f"[data-testid='stMain'] input[type='range'][aria-label='{K_LABEL}']")
        await wait_or_fail(page, slider, deadline, "Segments page")
        k = await slider_value(slider)
        seen: list[float] = []
        text = await wait_scatter(page, k, deadline, "Segments page", seen)
        steps["segments"] = m.done()
        steps["segments_metric"] = {"s": seen[0] - m.t0}
        steps["upload_to_scatter"] = {"s": time.perf_counter() - t_upload}
        shown = SHOWING.search(text)
        result["showing"] = shown.group(0) if shown else "no 'Showing N of M' note (all drawn)"
        result["ks"].append(k)

        lo = int(await slider.get_attribute("aria-valuemin") or await slider.get_attribute("min"))
        hi = int(await slider.get_attribute("aria-valuemax") or await slider.get_attribute("max"))
        # A k no earlier repeat has fitted: right 1, left 1, right 2, left 2, ...
        direction = 1 if rep % 2 == 0 else -1
        distance = rep // 2 + 1
        if not lo <= k + direction * distance <= hi:
            direction = -direction
        if not lo <= k + direction * distance <= hi:
            raise SessionFailed(f"k={k} in {lo}..{hi}: no new k {distance} step(s) away")
        fwd, back = ("ArrowRight", "ArrowLeft") if direction > 0 else ("ArrowLeft", "ArrowRight")
        plan = [
            ("k_new", fwd, distance),
            ("k_back", back, 1),
            ("k_again", fwd, 1),
        ]
        for name, key, presses in plan:
            stage = name
            await slider.focus(timeout=deadline.ms())
            m = Measure(server)
            for _ in range(presses):
                await slider.press(key, timeout=deadline.ms())
            k += presses if key == "ArrowRight" else -presses
            seen = []
            await wait_scatter(page, k, deadline, f"k step to {k}", seen)
            steps[name] = m.done()
            steps[f"{name}_metric"] = {"s": seen[0] - m.t0}
            now = await slider_value(slider)
            if now != k:
                raise SessionFailed(f"slider shows k={now} after the step, expected {k}")
            result["ks"].append(k)
        if js_errors:
            result["js_errors"] = js_errors
        result["ok"] = True
    except Exception as exc:  # reported with the table
        result["ok"] = False
        result["failure"] = f"{stage}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
    finally:
        if screens or not result.get("ok"):
            shot = OUT_DIR / f"browser_r{rep + 1}_{stage}.png"
            try:
                shot.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(shot), timeout=15000)
                result["screenshot"] = str(shot.relative_to(ROOT))
            except Exception:  # a screenshot is a nicety
                pass
        try:
            await context.close()
        except Exception:  # the browser may be gone at the deadline
            pass
    return result


async def drive(args, url: str, csv: Path, server_pid: int, deadline, meta) -> list[dict]:
    from playwright.async_api import async_playwright

    launch = launch_options()
    if "executable_path" not in launch:
        print("no Chromium found: using Playwright's own", file=sys.stderr)
    server = psutil.Process(server_pid)
    results: list[dict] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch)
        meta["chromium"] = browser.version
        try:
            for rep in range(args.repeat):
                print(f"repeat {rep + 1}/{args.repeat}", file=sys.stderr, flush=True)
                res = await journey(
                    browser, url, csv, args.rows, rep, server, deadline, args.screens
                )
                results.append(res)
                if not res["ok"]:
                    print(f"  failed: {res['failure']}", file=sys.stderr)
                    break
        finally:
            await browser.close()
    return results


def report(args, results: list[dict], meta: dict[str, Any]) -> str:
    n = args.repeat
    lines = [
        f"benchmarks/browser.py: {args.rows:,} rows ({meta['csv_mb']:.1f} MB CSV, "
        f"{GENERATOR}), {n} repeat(s), one server on 127.0.0.1, Chromium "
        f"{meta.get('chromium', '?')}; {os.cpu_count()} CPUs; load average at start "
        f"{meta['load_start']}, at end {meta.get('load_end', '-')}",
        "",
    ]
    headers = (
        ["step (wall s)"] + [f"r{i + 1}" for i in range(n)] + ["median"]
        + ["server CPU s", "browser CPU s"]
    )  # fmt: skip
    rows = []
    for key, label in STEPS:
        walls = [r["steps"].get(key, {}).get("s") for r in results]
        walls += [None] * (n - len(walls))
        got = [w for w in walls if w is not None]
        cpus = []
        for which in ("server_cpu", "browser_cpu"):
            vals = [r["steps"].get(key, {}).get(which) for r in results]
            vals = [v for v in vals if v is not None]
            cpus.append(fmt(statistics.median(vals), 2) if vals else "-")
        rows.append(
            [label]
            + [fmt(w, 2) for w in walls]
            + [fmt(statistics.median(got), 2) if got else "-"]
            + cpus
        )
    lines.append(table(headers, rows))
    lines.append("")
    for r in results:
        ks = "->".join(map(str, r["ks"])) or "-"
        line = f"r{r['repeat']}: k {ks}; scatter note: {r.get('showing', '-')}"
        if r.get("js_errors"):
            line += f"; JS errors: {r['js_errors'][:2]}"
        if not r["ok"]:
            line += f"; FAILED at {r['failure']}"
        if r.get("screenshot"):
            line += f"; screenshot {r['screenshot']}"
        lines.append(line)
    lines.append(
        "r1 uploads the bytes to a fresh server (cold caches); later repeats are new sessions "
        "uploading the same bytes (server caches warm for (a), (b)); each repeat's 'new k' was "
        "never fitted before. Times include the slider's debounce and the browser's drawing.\n"
        "CPU columns: medians over repeats of the CPU seconds used during the step by the "
        "server (streamlit) and the browser (Playwright + Chromium), on shared cores.\n"
        "'of which until metric': until the page's 'Segments' metric (drawn before the "
        "scatter is built) shows the k."
    )
    if meta.get("tracebacks"):
        lines.append(f"server log: {meta['tracebacks']} traceback(s); first:\n{meta['first_tb']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=2, help="journeys, each in a new session")
    p.add_argument("--timeout", type=float, default=600, help="seconds for the whole run")
    p.add_argument("--step-timeout", type=float, default=300, help="seconds for one wait")
    p.add_argument("--json", default=None, help="also write the results as JSON here")
    p.add_argument("--screens", action="store_true", help="screenshot each repeat's last page")
    args = p.parse_args(argv)
    if args.rows < 100 or not 1 <= args.repeat <= 20:
        p.error("--rows >= 100, --repeat 1..20")
    return args


def stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks below


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    deadline = Deadline(args.timeout, args.step_timeout)
    workdir = Path(tempfile.mkdtemp(prefix="seg-browser-"))
    log_path = workdir / "streamlit.log"
    meta: dict[str, Any] = {"load_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    proc = None
    status = 2
    try:
        print(f"generating {args.rows:,} customers (not timed)", file=sys.stderr, flush=True)
        frame = make_customers(args.rows)
        csv = workdir / "customers.csv"
        meta["csv_mb"] = to_csv_file(frame, csv) / 2**20
        del frame
        # No file watcher: a source edit by someone else during the run must not rerun the app.
        proc, base = start_streamlit(log_path, "--server.fileWatcherType", "none", app_root=ROOT)
        wait_healthy(proc, base, log_path, min(60.0, args.timeout))
        left = deadline.end - time.monotonic()
        results = asyncio.run(
            asyncio.wait_for(
                drive(args, f"{base}/", csv, proc.pid, deadline, meta),
                timeout=max(left, 1.0) + 30,
            )
        )
        meta["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
        meta["tracebacks"] = log_text.count("Traceback (most recent call last)")
        if meta["tracebacks"]:
            meta["first_tb"] = first_traceback(log_text)
        text = report(args, results, meta)
        print(text, flush=True)
        if args.json:
            Path(args.json).write_text(
                json.dumps({"args": vars(args), "meta": meta, "results": results, "text": text},
                           indent=1, default=str)
            )  # fmt: skip
        complete = len(results) == args.repeat and all(r["ok"] for r in results)
        status = 0 if complete else 1
    except Exception as exc:  # setup failures still stop everything below
        print(f"browser benchmark could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
    finally:
        if proc is not None:
            stop_process_tree(proc)
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
