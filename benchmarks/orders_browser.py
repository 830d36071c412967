"""A big order export uploaded in the browser: how long until the Data page shows the
customer summary (issue 12: a 5M-line upload in under 10 s).

    python benchmarks/orders.py --browser                  # 5,000,000 lines
    python benchmarks/orders.py --browser --lines 1000000

Two measurements of the same file, printed side by side with the load average:

- browser: `streamlit run app.py` on 127.0.0.1 (devtools.serve) and Debian's Chromium driven
  by Playwright (devtools.chromium). The file is set on "Upload customer data"; timed are
  (a) the upload's transfer (file set -> upload request finished), (b) upload finished ->
  the "From orders to customers" summary shows its "Customers" metric, and (c) upload
  finished -> the run is over (the page goes on with the table's health report, its preview
  and the k sweep the app runs ahead). Server CPU seconds (the streamlit process and its
  children) from the upload's end to (c) are printed beside (b).
- server calls: the calls the Data page makes on that upload, in this process: the digest,
  `read_order_head`, `guess_order_log` (cached on the page), `customers_from_log` and
  `customer_data` (the table the other pages segment).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from devtools.chromium import launch_options  # noqa: E402
from devtools.serve import start_streamlit, stop_process_tree, wait_healthy  # noqa: E402

UPLOAD_LABEL = "Upload customer data"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
STATUS = "[data-testid='stStatusWidget']"


def server_calls(path: Path) -> dict:
    """Seconds of each call the Data page makes on the upload of ``path``."""
    from segmentation.order_log import guess_order_log, read_order_head
    from segmentation.orders import customer_data
    from segmentation.orders_duckdb import customers_from_log

    raw = path.read_bytes()
    times = {}
    start = time.perf_counter()
    hashlib.sha256(raw).hexdigest()
    times["digest"] = time.perf_counter() - start
    start = time.perf_counter()
    log = read_order_head(raw, name=path.name)
    times["head read"] = time.perf_counter() - start
    start = time.perf_counter()
    guess_order_log(log.data.frame, id_column=log.data.id_column)
    times["guess"] = time.perf_counter() - start
    start = time.perf_counter()
    table = customers_from_log(log, raw)
    times["customer table"] = time.perf_counter() - start
    start = time.perf_counter()
    customer_data(table, name=log.data.name)
    times["as customer data"] = time.perf_counter() - start
    times["total"] = sum(times.values())
    return {"times": times, "customers": len(table.frame), "lines": table.n_lines}


def _cpu(process: psutil.Process) -> float:
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def _idle(page, timeout_ms: float) -> None:
    page.locator(IDLE).wait_for(state="attached", timeout=timeout_ms)
    page.locator(STATUS).first.wait_for(state="detached", timeout=timeout_ms)
    page.locator(IDLE).wait_for(state="attached", timeout=timeout_ms)


def browser_upload(path: Path, *, timeout: float = 600) -> dict:
    """Upload ``path`` on the Data page; transfer and summary times, server CPU."""
    from playwright.sync_api import sync_playwright

    log_path = Path(tempfile.mkdtemp(prefix="orders-browser-")) / "server.log"
    process, url = start_streamlit(log_path)
    try:
        wait_healthy(process, url, log_path)
        server = psutil.Process(process.pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch_options())
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            done: list[float] = []
            page.on(
                "requestfinished",
                lambda r: (
                    done.append(time.perf_counter())
                    if "/_stcore/upload_file" in r.url and r.method in ("PUT", "POST")
                    else None
                ),
            )
            ms = timeout * 1000
            page.goto(url, timeout=ms)
            uploader = page.locator("[data-testid='stFileUploader']").filter(has_text=UPLOAD_LABEL)
            uploader.wait_for(timeout=ms)
            _idle(page, ms)
            start = time.perf_counter()
            uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
                path, timeout=ms
            )
            while not done:
                page.wait_for_timeout(20)
                if time.perf_counter() - start > timeout:
                    raise TimeoutError("the upload did not finish")
            uploaded = done[0]
            cpu0 = _cpu(server)
            summary = page.locator("[data-testid='stMain']").get_by_text("From orders to customers")
            summary.wait_for(timeout=ms)
            customers = page.locator("[data-testid='stMetric']").filter(has_text="Customers")
            customers.first.wait_for(timeout=ms)
            shown = time.perf_counter()
            _idle(page, ms)
            settled = time.perf_counter()
            value = customers.first.locator("[data-testid='stMetricValue']").inner_text()
            customers.first.scroll_into_view_if_needed()
            page.screenshot(path=str(HERE / "out" / "orders-browser.png"))
            browser.close()
        return {
            "transfer": uploaded - start,
            "summary": shown - uploaded,
            "total": shown - start,
            "settled": settled - uploaded,
            "server_cpu": _cpu(server) - cpu0,
            "customers": value,
        }
    finally:
        stop_process_tree(process)


def run(path: Path, lines: int) -> None:
    """Both measurements of ``path``, printed as one table."""
    load = os.getloadavg()
    calls = server_calls(path)
    shown = browser_upload(path)
    size_mb = path.stat().st_size / 2**20
    print(
        f"orders upload -> Data page customer summary: {lines:,} lines, {size_mb:.0f} MB; "
        f"load average {' '.join(f'{v:.1f}' for v in load)} at the start, "
        f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} at the end; {os.cpu_count()} cores"
    )
    print(f"{'measure':<46} {'seconds':>8}")
    print("-" * 55)
    for name, seconds in calls["times"].items():
        print(f"{'server call: ' + name:<46} {seconds:>8.2f}")
    print(f"{'browser: upload transfer (file set -> sent)':<46} {shown['transfer']:>8.2f}")
    print(
        f"{'browser: upload sent -> customer summary':<46} {shown['summary']:>8.2f}"
        f"   (server CPU {shown['server_cpu']:.1f} s)"
    )
    print(f"{'browser: file set -> customer summary':<46} {shown['total']:>8.2f}")
    print(
        f"{'browser: upload sent -> page run over':<46} {shown['settled']:>8.2f}"
        "   (health report, preview, the k sweep run ahead)"
    )
    print(
        f"customers: {calls['customers']:,} (server calls), {shown['customers']} (shown); "
        f"target: under 10 s from upload to summary"
    )
