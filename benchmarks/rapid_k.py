"""Five quick presses on the k slider: how long until the page settles (issue 11, item 8).

    python benchmarks/rapid_k.py                                # this checkout, every dataset
    python benchmarks/rapid_k.py --before /tmp/main-copy        # and another checkout beside it
    python benchmarks/rapid_k.py --datasets mall_customers.csv --repeat 3

For each checkout, `streamlit run app.py` on 127.0.0.1 (a fresh one per run) and Debian's
Chromium (Playwright).
For each shared dataset: a new session uploads it, opens Segments and waits for the scatter;
then the k slider gets five ArrowRight presses (ArrowLeft when more room is below)
`--gap` ms apart, as a marketer stepping through k (the slider stops at its end).
Timed from the first press until the slider shows the last step's k, the scatter's
legend has that many segments, and no run is going on.
Every k reached was already swept (the sweep runs once per choice); each run has a fresh
server, so the fits of the k stepped through are not cached from an earlier run. Several
checkouts are measured in the same run, one after the other, so their ratio is what counts
on a shared machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SLIDER = "input[type='range'][aria-label='Number of segments (k)']"
SETTLED = """(k) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector("[data-testid='stStatusWidget']")) return false;
    const slider = document.querySelector(arguments_slider);
    if (!slider || slider.value !== String(k)) return false;
    return [...document.querySelectorAll('.js-plotly-plot')].some(el => {
        const names = (el.data || []).map(t => t.name);
        return names.includes('Segment centres') && names.length === k + 1;
    });
}""".replace("arguments_slider", repr(SLIDER))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own fixed command line
        command, cwd=app_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"streamlit in {app_dir} did not start")


def rapid_steps(browser, url: str, dataset: Path, gap_ms: int, timeout_ms: int) -> float:
    context = browser.new_context(viewport={"width": 1600, "height": 1200})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    try:
        page.goto(url)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(dataset)
        page.get_by_text(f"File: {dataset.name}").first.wait_for()
        page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Segments").click()
        slider = page.locator(SLIDER)
        slider.wait_for()
        k = int(slider.input_value())
        page.wait_for_function(SETTLED, arg=k, timeout=timeout_ms)
        top = int(slider.get_attribute("aria-valuemax") or slider.get_attribute("max") or 10)
        low = int(slider.get_attribute("aria-valuemin") or slider.get_attribute("min") or 2)
        # Toward the side with more room; at the end the slider stops (fewer real steps).
        key, target = (
            ("ArrowRight", min(k + 5, top))
            if top - k >= k - low
            else ("ArrowLeft", max(k - 5, low))
        )
        slider.focus()
        start = time.perf_counter()
        for i in range(5):
            slider.press(key)
            if i < 4:
                page.wait_for_timeout(gap_ms)
        page.wait_for_function(SETTLED, arg=target, timeout=timeout_ms, polling=20)
        return time.perf_counter() - start
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout measured beside this one")
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--gap", type=int, default=150, help="ms between presses")
    parser.add_argument("--timeout", type=int, default=120_000, help="ms per wait")
    args = parser.parse_args()
    names = args.datasets or sorted(p.name for p in DATASETS.glob("*.csv"))
    checkouts = [("this checkout", ROOT)] + ([("before", args.before)] if args.before else [])
    results: dict[tuple[str, str], list[float]] = {}
    with sync_playwright() as pw:
        launch = {"args": ARGS}
        if Path(CHROMIUM).exists():
            launch["executable_path"] = CHROMIUM
        browser = pw.chromium.launch(**launch)
        for label, app_dir in checkouts:
            for name in names:
                for _ in range(args.repeat):
                    # A fresh server each time: every k stepped through is fitted anew, as on
                    # a marketer's first pass (a repeat on one server finds them cached).
                    server, url = start_server(app_dir)
                    try:
                        seconds = rapid_steps(browser, url, DATASETS / name, args.gap, args.timeout)
                    finally:
                        server.terminate()
                        server.wait(timeout=20)
                    results.setdefault((label, name), []).append(seconds)
                    print(f"{label} {name}: {seconds:.2f} s", file=sys.stderr)
        browser.close()
    print(f"five k steps, {args.gap} ms apart, first press -> settled "
          f"(median of {args.repeat}; load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    header = f"{'dataset':28}" + "".join(f"{label:>16}" for label, _ in checkouts)
    print(header + ("        ratio" if args.before else ""))
    for name in names:
        medians = [statistics.median(results[(label, name)]) for label, _ in checkouts]
        line = f"{name:28}" + "".join(f"{m:>14.2f} s" for m in medians)
        if args.before:
            line += f"  {medians[1] / medians[0]:>9.1f}x"
        print(line)


if __name__ == "__main__":
    # A stop (SIGTERM) unwinds like Ctrl-C, so the servers are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
