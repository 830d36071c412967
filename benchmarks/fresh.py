"""Run a benchmark side in a fresh Python process and read its figures back: its time, CPU
seconds and peak memory are its own, not those of what ran before it. Standard library only,
so importing it adds nothing to a side's memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (VmHWM)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    """CPU seconds of this process so far, all threads (on a shared machine a side's wall
    time depends on the others' load; its CPU time much less)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def run_fresh(script: str | Path, *args: str) -> dict:
    """Run ``script`` with ``args`` in a fresh Python process: the JSON object its last line
    of output prints, or ``{"error": <its last line of errors>}`` when it fails."""
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])
