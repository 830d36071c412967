"""Load test: N concurrent browser sessions against ONE `streamlit run` server on 127.0.0.1.

Each session is its own browser context (its own Streamlit session) and takes the whole
journey a marketer takes with a large file:

1. opens the app (the Data page);
2. uploads a 100,000-row customer CSV through "Upload customer data" and waits until the
   Data page reports every row;
3. goes to Segments (sidebar link) and waits for the elbow chart and the scatter;
4. moves "Number of segments (k)" a few steps with the arrow keys, waiting for each rerun
   (the page's "Segments" metric must show the new k);
5. goes to Export and downloads "Download labelled customers", then checks the file:
   every uploaded row in input order with every cell as uploaded (compared as text), the
   same ids, a `segment` of 1..k for every row with k the one chosen (also in the file
   name), one non-empty `segment_name` per segment.

Every st.error / exception element seen on any page, and every uncaught JavaScript error,
fails the session. The server's resident memory (RSS, with its children) is sampled every
0.5 s from start to finish and reported as start / peak / end / after the sessions closed;
`--rounds 2` runs the whole set of sessions twice on the same server, so a second peak far
above the first would show memory that is not bounded by the caches' `max_entries`.

`--two-files`: odd sessions upload a second 100k file (another random_state, disjoint ids)
under the SAME file name, so only the bytes tell the two apart; each download must hold its
own session's ids and cells and none of the other file's ids: evidence that caches keyed on
the upload's digest never serve one user's customers to another.

Bounded: one server, one browser, `--sessions` contexts, each wait capped, and a global
`--timeout`; the server and the browser are always stopped (try/finally). Only 127.0.0.1
traffic. Exit status 0 only when every session succeeded (and RSS stayed under
`--max-rss-mb` when given).

Usage (from anywhere; the server is started from the project root)::

    python benchmarks/load.py                         # 10 sessions, 100k rows, 3 k steps
    python benchmarks/load.py --two-files             # isolation variant
    python benchmarks/load.py --sessions 2 --rows 20000 --steps 2 --timeout 300  # quick
    python benchmarks/load.py --rounds 2 --max-rss-mb 3000

Each page's connection is watched: websockets to /_stcore/stream opened and closed, and
page loads. A session whose page shows the built-in sample again after its upload fails
at once with "upload lost" and those counts (seen under heavy CPU load: the frontend's
heartbeat times out, it reconnects, and some reconnects land in a fresh Streamlit session).

The server runs with `--server.fileWatcherType none` (what a deployment does): a source
edit during a run would otherwise reload modules under running sessions. `--watch` keeps
the watcher; `--server-opt KEY=VALUE` passes any other Streamlit option.

Options: --sessions N (10), --rows N (100000), --steps N (3), --timeout S (600, whole run),
--step-timeout S (240, any single wait), --stagger S (2, between session starts),
--rounds N (1), --two-files, --max-rss-mb MB, --watch, --server-opt KEY=VALUE,
--json PATH (default benchmarks/out/load_<time>.json; "-" for none), --keep-screens
(screenshots of every session's last page, not only of failures, into benchmarks/out/),
--app-root DIR (serve another checkout of the app; default this one).

Browser: Debian's Chromium from $CHROMIUM (default /usr/bin/chromium) through Playwright;
falls back to Playwright's own Chromium when that path does not exist. Never needs
`playwright install` on a machine with Chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import GENERATOR, ROOT, make_customers, table  # noqa: E402

from devtools.chromium import launch_options  # noqa: E402
from devtools.serve import start_streamlit, stop_process_tree, wait_healthy  # noqa: E402

OUT_DIR = ROOT / "benchmarks" / "out"
# The app's labels (issue 3).
UPLOAD_LABEL = "Upload customer data"
K_LABEL = "Number of segments (k)"
DOWNLOAD_LABEL = "Download labelled customers"
ID_COLUMN = "customer_id"

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
STATUS = "[data-testid='stStatusWidget']"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
SAMPLE_NOTICE = "[data-testid='stAlertContentInfo']:has-text('built-in sample')"
SAMPLE_EVERY = 0.5
DEBOUNCE_MS = 300  # a little over the slider's debounce before looking for the rerun

TIMINGS = (
    ("open", "open app (first render)"),
    ("upload", "upload (to rows shown)"),
    ("segments", "Segments page (to scatter)"),
    ("upload_to_scatter", "upload to scatter"),
    ("k_step", "k step (each)"),
    ("export", "Export page (to button)"),
    ("download", "download labelled CSV"),
    ("total", "session total"),
)


# --------------------------------------------------------------------------- data


@dataclass
class DataFile:
    label: str  # "A" or "B"
    path: Path
    n_rows: int
    ids: list[str]
    size_mb: float


def make_files(workdir: Path, rows: int, two_files: bool) -> list[DataFile]:
    """One 100k-row customer CSV, or two with different customers and disjoint ids, both
    named customers.csv (only the bytes differ)."""
    files = []
    for label, seed in (("A", 42), ("B", 4242))[: 2 if two_files else 1]:
        frame = make_customers(rows, random_state=seed)
        if label == "B":
            frame[ID_COLUMN] = [f"C{i:07d}" for i in range(rows + 1, 2 * rows + 1)]
        path = workdir / label / "customers.csv"
        path.parent.mkdir(parents=True)
        frame.to_csv(path, index=False)
        ids = frame[ID_COLUMN].astype(str).tolist()
        files.append(DataFile(label, path, rows, ids, path.stat().st_size / 2**20))
    return files


def read_text_table(data: bytes) -> pd.DataFrame:
    """A CSV as a table of strings exactly as written (no NA guessing)."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False)


def verify_download(
    content: bytes, filename: str, k: int, own: DataFile, others: list[DataFile]
) -> list[str]:
    """Problems with a labelled download (empty list: correct)."""
    problems: list[str] = []
    try:
        got = read_text_table(content)
    except Exception as exc:  # any parse failure is a wrong download
        return [f"download is not a readable CSV: {type(exc).__name__}: {exc}"]
    uploaded = read_text_table(own.path.read_bytes())
    if len(got) != own.n_rows:
        problems.append(f"{len(got)} rows, expected {own.n_rows}")
    for col in ("segment", "segment_name"):
        if col not in got.columns:
            problems.append(f"no {col!r} column (columns: {list(got.columns)})")
    missing = [c for c in uploaded.columns if c not in got.columns]
    if missing:
        problems.append(f"uploaded columns missing: {missing}")
    if problems:
        return problems
    if list(got.columns[: len(uploaded.columns)]) != list(uploaded.columns):
        problems.append("the uploaded columns are not first and in file order")
    ids = got[ID_COLUMN].tolist()
    if ids != own.ids:
        first = next((i for i, (a, b) in enumerate(zip(ids, own.ids)) if a != b), None)
        problems.append(f"ids differ from the uploaded ids (first at row {first})")
    for other in others:
        leaked = len(set(ids) & set(other.ids))
        if leaked:
            problems.append(f"{leaked} ids of file {other.label} (another session's upload)")
    changed = (got[uploaded.columns].to_numpy() != uploaded.to_numpy()).any(axis=1).sum()
    if changed:
        problems.append(f"{changed} rows with a cell different from the upload")
    allowed = {str(s) for s in range(1, k + 1)}
    bad = ~got["segment"].isin(allowed)
    if bad.any():
        sample = got.loc[bad, "segment"].unique()[:5].tolist()
        problems.append(f"{int(bad.sum())} rows without a segment 1..{k} (e.g. {sample})")
    used = set(got["segment"]) & allowed
    if used != allowed:
        problems.append(f"segments used {sorted(used, key=int)}, expected 1..{k}")
    if (got["segment_name"].str.strip() == "").any():
        problems.append("rows with an empty segment_name")
    names_per_segment = got.groupby("segment")["segment_name"].nunique()
    if (names_per_segment != 1).any():
        problems.append("a segment with more than one segment_name")
    if f"_k{k}_" not in filename:
        problems.append(f"file name {filename!r} does not carry k{k}")
    return problems


# --------------------------------------------------------------------------- server


def streamlit_options(pairs: list[str]) -> list[str]:
    """``KEY=VALUE`` pairs (``server.fileWatcherType=none``) as streamlit's arguments."""
    args: list[str] = []
    for pair in pairs:
        key, _, value = pair.partition("=")
        args += [f"--{key.removeprefix('--')}", value]
    return args


class RssSampler:
    """RSS of a process and its children, every `every` seconds, in a thread."""

    def __init__(self, pid: int, every: float = SAMPLE_EVERY) -> None:
        self.proc = psutil.Process(pid)
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self.marks: dict[str, float] = {}
        self._t0 = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float | None:
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return None
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            mb = self.rss_mb()
            if mb is not None:
                self.samples.append((time.perf_counter() - self._t0, mb))
            self._stop.wait(self.every)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def mark(self, name: str) -> float | None:
        """Record the RSS now under `name` (also kept as a sample)."""
        mb = self.rss_mb()
        if mb is not None:
            self.samples.append((time.perf_counter() - self._t0, mb))
            self.marks[name] = mb
        return mb

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def peak(self, since: float = 0.0, until: float = math.inf) -> float | None:
        window = [mb for t, mb in self.samples if since <= t <= until]
        return max(window) if window else None

    def now(self) -> float:
        return time.perf_counter() - self._t0


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU seconds of `proc` (and of its children that have exited)."""
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


class BrowserMeter:
    """RSS peak and CPU seconds of this script's other children (the browser and helpers):
    the load generator shares the machine with the server, so its cost is shown too."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.peak_mb = 0.0
        self._cpu: dict[int, float] = {}  # pid -> last CPU seconds seen

    def poll(self) -> None:
        total = 0
        for p in psutil.Process().children(recursive=True):
            try:
                if p.pid == self.server_pid or self.server_pid in [a.pid for a in p.parents()]:
                    continue
                total += p.memory_info().rss
                t = p.cpu_times()
                self._cpu[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        self.peak_mb = max(self.peak_mb, total / 2**20)

    @property
    def cpu(self) -> float:
        return sum(self._cpu.values())


# --------------------------------------------------------------------------- sessions


@dataclass
class Session:
    index: int
    round: int
    file: str
    ok: bool = False
    stage: str = "not started"
    timings: dict[str, Any] = field(default_factory=dict)  # name -> s (k_step: list)
    ks: list[int] = field(default_factory=list)  # k after each step (first: initial)
    download_rows: int | None = None
    download_name: str = ""
    download_problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # st.error / exception text seen
    js_errors: list[str] = field(default_factory=list)
    ws_opened: int = 0  # websockets to /_stcore/stream: more than 1 = the page reconnected
    ws_closed: int = 0
    loads: int = 0  # page loads: more than 1 = the page reloaded (a new Streamlit session)
    crashed: bool = False

    def connection(self) -> str:
        return (
            f"websockets opened {self.ws_opened}, closed {self.ws_closed}; page loads "
            f"{self.loads}{'; renderer crashed' if self.crashed else ''}"
        )

    failure: str = ""
    screenshot: str = ""


class SessionFailed(Exception):
    pass


class Deadline:
    def __init__(self, seconds: float, step_cap: float) -> None:
        self.end = time.monotonic() + seconds
        self.step_cap = step_cap

    def ms(self) -> float:
        """Timeout for one wait: the step cap, or what is left of the whole run."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise SessionFailed("global deadline reached")
        return max(1.0, min(self.step_cap, left)) * 1000


async def wait_idle(page, deadline: Deadline) -> None:
    """Wait for the rerun a user action started to finish (after the debounce)."""
    await page.wait_for_timeout(DEBOUNCE_MS)
    await page.locator(IDLE).wait_for(state="attached", timeout=deadline.ms())
    await page.locator(STATUS).first.wait_for(state="detached", timeout=deadline.ms())
    await page.locator(IDLE).wait_for(state="attached", timeout=deadline.ms())


def track_websocket(ws, session: Session) -> None:
    if "/_stcore/stream" not in ws.url:
        return
    session.ws_opened += 1

    def closed(_ws) -> None:
        session.ws_closed += 1

    ws.on("close", closed)


async def collect_errors(page, session: Session, where: str, uploaded: bool = True) -> None:
    """Record st.error and exception elements on the page; any is a failure. After the
    upload, the built-in sample's notice means the session lost its upload."""
    box = page.locator(ERRORS)
    for i in range(await box.count()):
        try:
            text = (await box.nth(i).inner_text(timeout=5000)).strip().replace("\n", " ")
        except Exception:  # the element went away with a rerun
            continue
        entry = f"{where}: {text[:300]}"
        if entry not in session.errors:
            session.errors.append(entry)
    if session.errors:
        raise SessionFailed(f"error shown on the page ({session.errors[0][:200]})")
    if uploaded and await page.locator(SAMPLE_NOTICE).count():
        raise SessionFailed(
            f"{where}: upload lost, the page shows the built-in sample again "
            f"({session.connection()})"
        )


async def goto_page(page, title: str, deadline: Deadline) -> None:
    link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title)
    await link.click(timeout=deadline.ms())
    await page.wait_for_url(re.compile(rf"/{title.lower()}(\?.*)?$"), timeout=deadline.ms())
    await wait_idle(page, deadline)


def metric(page, label: str):
    """The main area's st.metric whose label is exactly `label`."""
    exact = page.locator(
        "[data-testid='stMetricLabel']", has_text=re.compile(rf"^{re.escape(label)}$")
    )
    return page.locator("[data-testid='stMain'] [data-testid='stMetric']", has=exact)


async def wait_metric(
    page, label: str, value: str, deadline: Deadline, session: Session | None = None
) -> None:
    """Wait for the metric `label` to show `value`. With `session` (after the upload), stop
    early when the page shows the built-in sample instead: the session lost its upload."""
    value_box = metric(page, label).locator("[data-testid='stMetricValue']")
    target = value_box.filter(has_text=re.compile(rf"^\s*{re.escape(value)}\s*$")).first
    if session is None:
        await target.wait_for(timeout=deadline.ms())
        return
    lost = page.locator(SAMPLE_NOTICE).first
    await target.or_(lost).first.wait_for(timeout=deadline.ms())
    if await lost.count():
        raise SessionFailed(
            f"upload lost while waiting for {label} = {value}: the page shows the built-in "
            f"sample again ({session.connection()})"
        )


async def wait_scatter(page, deadline: Deadline) -> None:
    """The elbow chart and the scatter are both drawn (plotly has built their plots)."""
    charts = page.locator("[data-testid='stMain'] .js-plotly-plot")
    await charts.nth(1).locator(".main-svg").first.wait_for(timeout=deadline.ms())
    await charts.nth(0).locator(".main-svg").first.wait_for(timeout=deadline.ms())


async def slider_value(slider) -> int:
    """The slider's value (a react-aria <input type=range>)."""
    return int(await slider.input_value())


async def run_session(
    browser,
    url: str,
    session: Session,
    own: DataFile,
    others: list[DataFile],
    steps: int,
    deadline: Deadline,
    screens: Path | None,
    delay: float = 0.0,
) -> Session:
    await asyncio.sleep(delay)  # arrivals spread out, as real users arrive
    context = await browser.new_context(
        viewport={"width": 1440, "height": 1000}, accept_downloads=True
    )
    page = await context.new_page()
    page.on("pageerror", lambda exc: session.js_errors.append(str(exc)[:300]))
    page.on("websocket", lambda ws: track_websocket(ws, session))
    page.on("load", lambda _p: setattr(session, "loads", session.loads + 1))
    page.on("crash", lambda _p: setattr(session, "crashed", True))
    t_session = time.perf_counter()
    try:
        session.stage = "open"
        t0 = time.perf_counter()
        await page.goto(url, timeout=deadline.ms(), wait_until="domcontentloaded")
        uploader = page.locator("[data-testid='stFileUploader']").filter(has_text=UPLOAD_LABEL)
        await uploader.wait_for(timeout=deadline.ms())
        await wait_idle(page, deadline)
        session.timings["open"] = time.perf_counter() - t0
        # The first visit runs on the built-in sample: errors there count too.
        await collect_errors(page, session, "Data (first visit)", uploaded=False)

        session.stage = "upload"
        t_upload = time.perf_counter()
        await uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            own.path, timeout=deadline.ms()
        )
        await wait_idle(page, deadline)
        await wait_metric(page, "Customers (rows)", f"{own.n_rows:,}", deadline)
        session.timings["upload"] = time.perf_counter() - t_upload
        await collect_errors(page, session, "Data")

        session.stage = "segments"
        t0 = time.perf_counter()
        await goto_page(page, "Segments", deadline)
        slider = page.get_by_role("slider", name=K_LABEL)
        await slider.wait_for(timeout=deadline.ms())
        await wait_scatter(page, deadline)
        k = await slider_value(slider)
        await wait_metric(page, "Segments", str(k), deadline, session)
        await wait_metric(page, "Customers segmented", f"{own.n_rows:,}", deadline, session)
        now = time.perf_counter()
        session.timings["segments"] = now - t0
        session.timings["upload_to_scatter"] = now - t_upload
        await collect_errors(page, session, "Segments")
        session.ks.append(k)

        lo = int(await slider.get_attribute("min"))
        hi = int(await slider.get_attribute("max"))
        direction = 1 if session.index % 2 == 0 else -1  # sessions spread over k values
        session.timings["k_step"] = []
        for step in range(steps):
            session.stage = f"k step {step + 1}"
            if not lo <= k + direction <= hi:
                direction = -direction
            key = "ArrowRight" if direction > 0 else "ArrowLeft"
            t0 = time.perf_counter()
            await slider.focus(timeout=deadline.ms())
            await slider.press(key, timeout=deadline.ms())
            k += direction
            # The metric shows the new k once the rerun has drawn it; the rerun then ends.
            await wait_metric(page, "Segments", str(k), deadline, session)
            await wait_idle(page, deadline)
            await wait_scatter(page, deadline)
            session.timings["k_step"].append(time.perf_counter() - t0)
            shown = await slider_value(slider)
            if shown != k:
                raise SessionFailed(f"slider shows k={shown} after the step, expected {k}")
            session.ks.append(k)
            await collect_errors(page, session, f"Segments k={k}")

        session.stage = "export"
        t0 = time.perf_counter()
        await goto_page(page, "Export", deadline)
        button = page.get_by_role("button", name=DOWNLOAD_LABEL)
        await button.wait_for(timeout=deadline.ms())
        session.timings["export"] = time.perf_counter() - t0
        await collect_errors(page, session, "Export")

        session.stage = "download"
        t0 = time.perf_counter()
        async with page.expect_download(timeout=deadline.ms()) as info:
            await button.click(timeout=deadline.ms())
        download = await info.value
        path = await download.path()
        content = Path(path).read_bytes()
        session.timings["download"] = time.perf_counter() - t0
        session.download_name = download.suggested_filename
        session.download_rows = max(content.count(b"\n") - 1, 0)
        await collect_errors(page, session, "Export (after download)")

        session.stage = "verify"
        session.download_problems = await asyncio.to_thread(
            verify_download, content, session.download_name, k, own, others
        )
        if session.download_problems:
            raise SessionFailed("download wrong: " + "; ".join(session.download_problems))
        if session.js_errors:
            raise SessionFailed(f"JavaScript error: {session.js_errors[0]}")
        session.timings["total"] = time.perf_counter() - t_session
        session.ok = True
        session.stage = "done"
    except asyncio.CancelledError:
        session.failure = f"cancelled at {session.stage} (global deadline)"
        raise
    except Exception as exc:  # record and report every failure
        session.failure = f"{session.stage}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        if not session.errors:
            try:
                await collect_errors(page, session, session.stage)
            except Exception:  # the errors were recorded
                pass
    finally:
        if screens is not None or not session.ok:
            shot = OUT_DIR / f"load_r{session.round}_s{session.index:02d}_{session.stage}.png"
            try:
                shot.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(shot), timeout=15000)
                session.screenshot = str(shot.relative_to(ROOT))
            except Exception:  # a screenshot is a nicety
                pass
        try:
            await context.close()
        except Exception:  # the browser may be gone at the deadline
            pass
    return session


async def run_round(
    browser,
    url: str,
    rnd: int,
    files: list[DataFile],
    n: int,
    steps: int,
    deadline: Deadline,
    screens: Path | None,
    stagger: float,
) -> list[Session]:
    sessions = [Session(i, rnd, files[i % len(files)].label) for i in range(n)]
    tasks = []
    for s in sessions:
        own = files[s.index % len(files)]
        others = [f for f in files if f is not own]
        coro = run_session(
            browser, url, s, own, others, steps, deadline, screens, s.index * stagger
        )
        tasks.append(asyncio.create_task(coro))
    left = deadline.end - time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=max(left, 1.0))
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
    for s in sessions:
        if not s.ok and not s.failure:
            s.failure = f"cancelled at {s.stage} (global deadline)"
    return sessions


async def drive(args, url: str, files, sampler: RssSampler, server_pid: int, deadline):
    from playwright.async_api import async_playwright

    launch = launch_options()
    if "executable_path" not in launch:
        print("no Chromium found: using Playwright's own", file=sys.stderr)
    rounds: list[dict[str, Any]] = []
    meter = BrowserMeter(server_pid)
    server = psutil.Process(server_pid)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch)
        try:
            for rnd in range(1, args.rounds + 1):
                t_start = sampler.now()
                before = sampler.mark(f"round {rnd} start")
                cpu0, bcpu0 = cpu_seconds(server), meter.cpu
                task = asyncio.create_task(
                    run_round(
                        browser,
                        url,
                        rnd,
                        files,
                        args.sessions,
                        args.steps,
                        deadline,
                        OUT_DIR if args.keep_screens else None,
                        args.stagger,
                    )
                )
                while not task.done():
                    meter.poll()
                    await asyncio.sleep(1.0)
                sessions = task.result()
                t_end = sampler.now()
                end = sampler.mark(f"round {rnd} end")
                meter.poll()
                rounds.append(
                    {
                        "round": rnd,
                        "sessions": sessions,
                        "rss_start": before,
                        "rss_peak": sampler.peak(t_start, t_end),
                        "rss_end": end,
                        "seconds": t_end - t_start,
                        "server_cpu": cpu_seconds(server) - cpu0,
                        "browser_cpu": meter.cpu - bcpu0,
                    }
                )
                if time.monotonic() >= deadline.end:
                    break
        finally:
            await browser.close()
    return rounds, meter.peak_mb


# --------------------------------------------------------------------------- report


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def report(args, files, rounds, rss, browser_peak, server_log: Path, wall: float) -> str:
    sessions = [s for r in rounds for s in r["sessions"]]
    ok = [s for s in sessions if s.ok]
    correct = sum(1 for s in sessions if s.download_rows is not None and not s.download_problems)
    lines = []
    lines.append(
        f"Load test: {args.sessions} concurrent sessions x {args.rounds} round(s), "
        f"{args.rows:,} rows per file ({len(files)} file(s), "
        f"{', '.join(f'{f.label}={f.size_mb:.1f} MB' for f in files)}; {GENERATOR}), "
        f"{args.steps} k steps, one server on 127.0.0.1; wall {wall:.0f} s; "
        f"load average at start {rss['loadavg']}"
    )
    lines.append("")
    lines.append(
        table(
            [
                "sessions",
                "successes",
                "failures",
                "with st.error/exception",
                "JS errors",
                "downloads correct",
            ],
            [
                [
                    len(sessions),
                    len(ok),
                    len(sessions) - len(ok),
                    sum(1 for s in sessions if s.errors),
                    sum(1 for s in sessions if s.js_errors),
                    f"{correct}/{len(sessions)}",
                ]
            ],
        )
    )
    lines.append("")
    rows = []
    for key, label in TIMINGS:
        values: list[float] = []
        for s in sessions:
            v = s.timings.get(key)
            if isinstance(v, list):
                values.extend(v)
            elif v is not None:
                values.append(v)
        if values:
            rows.append(
                [
                    label,
                    len(values),
                    fmt(statistics.median(values)),
                    fmt(pct(values, 95)),
                    fmt(max(values)),
                ]
            )
        else:
            rows.append([label, 0, "-", "-", "-"])
    lines.append(table(["timing (s)", "n", "median", "p95", "max"], rows))
    lines.append("")
    mem_rows = [["server RSS before any session", fmt(rss["start"], 0)]]
    for r in rounds:
        mem_rows.append(
            [
                f"round {r['round']}: start / peak / end",
                f"{fmt(r['rss_start'], 0)} / {fmt(r['rss_peak'], 0)} / {fmt(r['rss_end'], 0)}",
            ]
        )
    mem_rows.append(["server RSS peak (whole run)", fmt(rss["peak"], 0)])
    mem_rows.append(
        [f"server RSS {rss['settle']:.0f} s after the browser closed", fmt(rss["after"], 0)]
    )
    mem_rows.append(["browser RSS peak (load generator)", fmt(browser_peak, 0)])
    lines.append(table(["memory (MB)", "value"], mem_rows))
    lines.append(f"({len(rss['samples'])} RSS samples every {SAMPLE_EVERY} s)")
    lines.append("")
    cpu_rows = [
        [f"round {r['round']}", fmt(r["seconds"], 0), fmt(r["server_cpu"], 0),
         fmt(r["browser_cpu"], 0)]
        for r in rounds
    ]  # fmt: skip
    lines.append(table(["CPU (s) on this machine", "wall", "server CPU", "browser CPU"], cpu_rows))
    lines.append("")
    per = []
    for s in sessions:
        steps = s.timings.get("k_step") or []
        per.append(
            [
                f"r{s.round} s{s.index:02d}",
                s.file,
                "->".join(map(str, s.ks)) or "-",
                fmt(s.timings.get("upload_to_scatter")),
                " ".join(fmt(x) for x in steps) or "-",
                fmt(s.timings.get("download")),
                "-" if s.download_rows is None else f"{s.download_rows:,}",
                f"{s.ws_opened}/{s.ws_closed}/{s.loads}",
                "ok" if s.ok else "FAIL",
            ]
        )
    lines.append(
        table(
            [
                "session",
                "file",
                "k",
                "upload->scatter",
                "k steps",
                "download",
                "rows",
                "ws open/closed/loads",
                "result",
            ],
            per,
        )
    )
    failed = [s for s in sessions if not s.ok]
    if failed:
        lines.append("")
        lines.append("Failures:")
        for s in failed:
            lines.append(f"  r{s.round} s{s.index:02d} [{s.file}] {s.failure}")
            for e in s.errors[:3]:
                lines.append(f"      shown: {e}")
            for e in s.js_errors[:3]:
                lines.append(f"      js: {e}")
            for p in s.download_problems:
                lines.append(f"      download: {p}")
            if s.screenshot:
                lines.append(f"      screenshot: {s.screenshot}")
    log_text = server_log.read_text(errors="replace") if server_log.exists() else ""
    tracebacks = log_text.count("Traceback (most recent call last)")
    lines.append("")
    lines.append(
        f"server log: {tracebacks} traceback(s)"
        + (f"; first:\n{first_traceback(log_text)}" if tracebacks else "")
    )
    return "\n".join(lines)


def first_traceback(text: str, max_lines: int = 25) -> str:
    start = text.find("Traceback (most recent call last)")
    return "\n".join("    " + ln for ln in text[start:].splitlines()[:max_lines])


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--steps", type=int, default=3, help="k steps per session")
    p.add_argument("--timeout", type=float, default=600, help="seconds for the whole run")
    p.add_argument("--step-timeout", type=float, default=240, help="seconds for one wait")
    p.add_argument("--rounds", type=int, default=1, help="run all sessions this many times")
    p.add_argument("--two-files", action="store_true", help="odd sessions upload file B")
    p.add_argument("--max-rss-mb", type=float, default=None, help="fail above this peak")
    p.add_argument("--json", default=None, help='result file; "-" for none')
    p.add_argument("--keep-screens", action="store_true")
    p.add_argument("--stagger", type=float, default=2.0, help="seconds between session starts")
    p.add_argument(
        "--server-opt", action="append", metavar="KEY=VALUE", help="extra streamlit option"
    )
    p.add_argument(
        "--watch", action="store_true", help="keep streamlit's file watcher (off by default)"
    )
    p.add_argument("--app-root", default=str(ROOT), help="checkout to serve (default: this one)")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= 50 or args.rows < 100 or args.rounds < 1 or args.steps < 0:
        p.error("--sessions 1..50, --rows >= 100, --rounds >= 1, --steps >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t_wall = time.perf_counter()
    deadline = Deadline(args.timeout, args.step_timeout)
    workdir = Path(tempfile.mkdtemp(prefix="seg-load-"))
    proc = sampler = None
    rounds: list[dict[str, Any]] = []
    browser_peak = 0.0
    rss: dict[str, Any] = {"loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    log_path = workdir / "streamlit.log"
    status = 1
    try:
        files = make_files(workdir, args.rows, args.two_files)
        options = list(args.server_opt or [])
        if not args.watch:
            options.append("server.fileWatcherType=none")
        proc, base = start_streamlit(
            log_path, *streamlit_options(options), app_root=Path(args.app_root)
        )
        up = wait_healthy(proc, base, log_path, min(60.0, args.timeout))
        sampler = RssSampler(proc.pid).start()
        rss["start"] = sampler.mark("start")
        print(
            f"server up in {up:.1f} s on {base} (pid {proc.pid}); "
            f"{args.sessions} sessions starting",
            file=sys.stderr,
        )
        url = f"{base}/"
        try:
            rounds, browser_peak = asyncio.run(drive(args, url, files, sampler, proc.pid, deadline))
        finally:
            settle = 5.0
            time.sleep(settle)
            rss["settle"] = settle
            rss["after"] = sampler.mark("after")
            sampler.stop()
            rss["peak"] = sampler.peak()
            rss["samples"] = sampler.samples
            if proc.poll() is not None:
                print(f"streamlit exited early with status {proc.returncode}", file=sys.stderr)
        wall = time.perf_counter() - t_wall
        text = report(args, files, rounds, rss, browser_peak, log_path, wall)
        print(text)
        sessions = [s for r in rounds for s in r["sessions"]]
        all_ok = len(sessions) == args.sessions * args.rounds and all(s.ok for s in sessions)
        over = args.max_rss_mb is not None and (rss["peak"] or 0) > args.max_rss_mb
        if over:
            print(
                f"\nFAIL: server RSS peak {rss['peak']:.0f} MB > --max-rss-mb {args.max_rss_mb:.0f}"
            )
        status = 0 if all_ok and not over else 1
        print(f"\nRESULT: {'PASS' if status == 0 else 'FAIL'}")
        if args.json != "-":
            out = (
                Path(args.json) if args.json else OUT_DIR / time.strftime("load_%Y%m%d-%H%M%S.json")
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(
                json.dumps(
                    {
                        "args": vars(args),
                        "status": "pass" if status == 0 else "fail",
                        "files": [
                            {
                                "label": f.label,
                                "rows": f.n_rows,
                                "mb": f.size_mb,
                                "generator": GENERATOR,
                            }
                            for f in files
                        ],
                        "rss_mb": {k: v for k, v in rss.items() if k != "samples"},
                        "rss_samples": rss.get("samples", []),
                        "browser_rss_peak_mb": browser_peak,
                        "rounds": [
                            {
                                **{k: v for k, v in r.items() if k != "sessions"},
                                "sessions": [asdict(s) for s in r["sessions"]],
                            }
                            for r in rounds
                        ],
                        "text": text,
                    },
                    indent=1,
                    default=str,
                )
            )
            print(f"JSON: {out}", file=sys.stderr)
            if log_path.exists():
                shutil.copy(log_path, out.with_suffix(".server.log"))
    except Exception as exc:  # setup failures still stop everything below
        print(f"load test could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        if log_path.exists():
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        status = 2
    finally:
        if sampler is not None:
            sampler.stop()
        if proc is not None:
            stop_process_tree(proc)
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
