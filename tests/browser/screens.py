"""Screenshots of every page for every shared dataset, from any checkout, for before/after.

    python tests/browser/screens.py --label after
    python tests/browser/screens.py --label before --app-dir /tmp/main-copy

Writes tests/browser/screenshots/<label>_<dataset>_<page>.png (gitignored): Data (and its
columns-and-roles table), Segments (choices, then the scatter), Profiles (table, then the
heatmap), Export. Not a test: a tool for looking at what a marketer sees.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # devtools/, as pytest's rootdir gives the tests

from browsertools import DATASETS, PLOTLY, go, open_app, screenshot, settle, upload  # noqa: E402
from conftest import CHROMIUM_ARGS, VIEWPORT, chromium_executable  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def serve(app_dir: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    process = subprocess.Popen(command, cwd=app_dir, stdout=subprocess.DEVNULL)  # noqa: S603
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def shoot(page, label: str, stem: str) -> None:
    screenshot(page, label, f"{stem}_data")
    roles = page.get_by_text("Columns and their roles")
    if roles.count():
        roles.first.click()
        settle(page)
        roles.first.scroll_into_view_if_needed()
        screenshot(page, label, f"{stem}_data_roles")
    for title in ("Segments", "Profiles"):
        go(page, title)
        page.locator(PLOTLY).first.wait_for()
        screenshot(page, label, f"{stem}_{title.lower()}")
        page.locator(PLOTLY).last.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        screenshot(page, label, f"{stem}_{title.lower()}_charts")
    go(page, "Export")
    screenshot(page, label, f"{stem}_export")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    server = serve(args.app_dir, args.port)
    try:
        with sync_playwright() as pw:
            launch = {"args": CHROMIUM_ARGS}
            if chromium_executable():
                launch["executable_path"] = chromium_executable()
            browser = pw.chromium.launch(**launch)
            for path in [None, *sorted(DATASETS.glob("*.csv"))]:
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                page.set_default_timeout(180_000)
                open_app(page, f"http://127.0.0.1:{args.port}")
                if path is not None:
                    upload(page, path)
                shoot(page, args.label, "sample" if path is None else path.stem)
                context.close()
                print(f"{args.label}: {path.name if path else 'sample'} done", file=sys.stderr)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
