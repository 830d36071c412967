"""Real-browser fixtures: Debian's Chromium (or Playwright's own) against `streamlit run`.

* `browser_type_launch_args` / `browser_context_args` override pytest-playwright's so that
  every test gets a fresh context and page on Chromium from ``$CHROMIUM`` (default
  /usr/bin/chromium), with a large viewport and downloads accepted. In CI a missing Chromium
  is a FAILURE, never a skip: a skipped browser suite is a hidden hole.
* `app_url` (session) starts one ``streamlit run app.py`` from the repository root on a free
  port, waits for ``/_stcore/health`` to answer ``ok`` and stops the server at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browsertools import EXPECT_TIMEOUT, Server, running_server, screenshot
from playwright.sync_api import expect

from devtools.chromium import CHROMIUM_ARGS, chromium_executable

# Playwright's screenshot first waits for document.fonts.ready; on a busy machine
# Streamlit's web fonts were seen never to report ready, and the screenshot timed out after
# 90 s. The shots are for people to look at; skipping that wait is read by the driver,
# which starts after this module is imported.
os.environ.setdefault("PW_TEST_SCREENSHOT_NO_FONTS_READY", "1")

VIEWPORT = {"width": 1600, "height": 1200}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = chromium_executable()
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if executable:
        if not Path(executable).exists():
            pytest.fail(f"CHROMIUM={executable} does not exist: point it at a Chromium binary")
        args["executable_path"] = executable
    elif os.environ.get("CI"):
        pytest.fail(
            "No Chromium found for the browser tests (CI is set, so this fails instead of "
            "skipping): install Debian's `chromium` package (apt-get install -y chromium) or "
            "set CHROMIUM=/path/to/chromium."
        )
    # Otherwise (a developer machine without Debian's Chromium): Playwright's own browser,
    # as installed by `playwright install chromium`.
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


@pytest.fixture(autouse=True, scope="session")
def _expect_timeout() -> None:
    expect.set_options(timeout=EXPECT_TIMEOUT)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(page, request):
    """pytest-playwright's fresh page, with bounded generous timeouts for a loaded machine;
    on failure a screenshot of what the page showed goes to screenshots/FAILED_<test>.png."""
    page.set_default_timeout(EXPECT_TIMEOUT)
    page.set_default_navigation_timeout(EXPECT_TIMEOUT)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        try:
            screenshot(page, "FAILED", request.node.name)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
            print(f"no failure screenshot: {exc}")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """One `streamlit run app.py` for the whole browser session."""
    with running_server(tmp_path_factory.mktemp("streamlit") / "server.log") as running:
        yield running


@pytest.fixture
def app_url(server: Server) -> str:
    """Base URL of the app (the session's server)."""
    return server.url


@pytest.fixture(autouse=True)
def no_server_traceback(server: Server):
    """Fail a test during which the app raised: the page only shows a redacted message
    (showErrorDetails = "none"), the server log has the traceback, quoted here."""
    offset = server.log_size()
    yield
    text = server.log_since(offset)
    if "Traceback" in text:
        pytest.fail(f"the app raised during this test (server log):\n{text[-4000:]}")
