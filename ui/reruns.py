"""Whether the browser asked for a newer run while this one goes on: the one place that
reads Streamlit's private run state (tests/app/test_reruns.py fails loudly if it moves).

Streamlit queues a fragment's widget reruns instead of interrupting the run in progress,
and each finished run is drawn in the browser, which holds the next key press until it has
drawn. Waiting a moment after a k step, and starting again at once when another step
arrives, draws only the k the marketer stops at.
"""

from __future__ import annotations

import time

from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

#: How long a k step waits for the next one before drawing (a quick key press comes
#: within ~150 ms of the last).
SETTLE_SECONDS = 0.25


def in_fragment_rerun() -> bool:
    """True while only a fragment reruns (not the whole page)."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def rerun_pending() -> bool:
    """True when the browser has sent a rerun this run has not taken up yet."""
    ctx = get_script_run_ctx()
    requests = None if ctx is None else ctx.script_requests
    return requests is not None and requests._state is ScriptRequestType.RERUN


def newer_rerun_within(seconds: float = SETTLE_SECONDS, *, step: float = 0.02) -> bool:
    """Wait up to ``seconds`` for a newer rerun; True as soon as one is pending."""
    end = time.monotonic() + seconds
    while not rerun_pending():
        if time.monotonic() >= end:
            return False
        time.sleep(step)
    return True
