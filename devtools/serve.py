"""The app under ``streamlit run`` on 127.0.0.1, for browser tests and benchmarks.

Started from the project root (Streamlit reads .streamlit/config.toml from the current
directory), on a free port, bound to 127.0.0.1 (headless Streamlit would otherwise look up
its external address) and without usage statistics; ready when ``/_stcore/health``
answers ``ok``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a server may take to answer its health check: generous for a loaded machine.
START_TIMEOUT = 60.0


class ServerFailed(RuntimeError):
    """streamlit exited, or did not answer its health check in time (the message quotes
    the end of its log)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, *options: str) -> list[str]:
    """``streamlit run app.py`` on 127.0.0.1:`port`; `options` are more command-line
    arguments (``"--server.maxUploadSize", "1"``)."""
    return [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        *options,
    ]  # fmt: skip


def start_streamlit(
    log_path: Path, *options: str, app_root: Path = ROOT
) -> tuple[subprocess.Popen, str]:
    """Start the app of `app_root` (this checkout by default), its output into `log_path`.

    Returns the process and the app's base URL; wait for it with `wait_healthy` and stop it
    with `stop_process_tree` (or use `running_streamlit`, which does both).
    """
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            streamlit_command(port, *options),
            cwd=app_root,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    return process, f"http://127.0.0.1:{port}"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(
    process: subprocess.Popen, url: str, log_path: Path, timeout: float = START_TIMEOUT
) -> float:
    """Seconds until the server at `url` answered its health check; ServerFailed when the
    process exits first or `timeout` passes."""
    start = time.monotonic()
    while not _healthy(url):
        if process.poll() is not None:
            raise ServerFailed(
                f"streamlit exited with {process.returncode} before answering:\n"
                + _log_tail(log_path)
            )
        if time.monotonic() - start > timeout:
            raise ServerFailed(
                f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s:\n"
                + _log_tail(log_path)
            )
        time.sleep(0.2)
    return time.monotonic() - start


def _log_tail(log_path: Path, chars: int = 3000) -> str:
    return log_path.read_text(errors="replace")[-chars:] if log_path.exists() else ""


def stop_process_tree(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate `process` (a child of this one) and its children, by pid."""
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()


@contextlib.contextmanager
def running_streamlit(
    log_path: Path, *options: str, app_root: Path = ROOT, timeout: float = START_TIMEOUT
) -> Iterator[str]:
    """The app's base URL while it runs (started, healthy); stopped on exit."""
    process, url = start_streamlit(log_path, *options, app_root=app_root)
    try:
        wait_healthy(process, url, log_path, timeout)
        yield url
    finally:
        stop_process_tree(process)
