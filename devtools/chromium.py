"""Chromium for Playwright: Debian's by default, since ``playwright install`` cannot
download a browser on our machines.

``$CHROMIUM`` names the binary; else /usr/bin/chromium (or ``chromium`` on the PATH); else
None, and Playwright uses its own browser (a developer machine after
``playwright install chromium``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

#: Launch arguments that work as root, without a GPU and on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")


def chromium_executable() -> str | None:
    """``$CHROMIUM`` if set, else Debian's /usr/bin/chromium (or `chromium` on PATH)."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    if DEFAULT_CHROMIUM.exists():
        return str(DEFAULT_CHROMIUM)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_options(*, headless: bool = True) -> dict[str, Any]:
    """Keyword arguments for Playwright's ``chromium.launch``."""
    options: dict[str, Any] = {"args": CHROMIUM_ARGS, "headless": headless}
    executable = chromium_executable()
    if executable:
        options["executable_path"] = executable
    return options
