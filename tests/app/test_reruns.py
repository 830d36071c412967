"""`ui.reruns` reads Streamlit's private run state: these tests fail loudly if it moves
(a Streamlit upgrade), and check that a k step waits for the next one and no longer."""

from __future__ import annotations

import dataclasses
import threading
import time
from types import SimpleNamespace

import pytest
from streamlit.runtime.scriptrunner_utils import script_requests, script_run_context

from ui import reruns


def test_the_streamlit_internals_ui_reruns_reads_are_still_there():
    fields = {f.name for f in dataclasses.fields(script_run_context.ScriptRunContext)}
    assert {"script_requests", "fragment_ids_this_run"} <= fields, (
        "Streamlit's ScriptRunContext changed: update ui/reruns.py"
    )
    requests = script_requests.ScriptRequests()
    assert requests._state is script_requests.ScriptRequestType.CONTINUE, (
        "Streamlit's ScriptRequests no longer keeps its state in _state: update ui/reruns.py"
    )
    requests.request_rerun(script_requests.RerunData())
    assert requests._state is script_requests.ScriptRequestType.RERUN


@pytest.fixture
def run(monkeypatch):
    """A stand-in for the running script's context, with Streamlit's real request queue."""
    ctx = SimpleNamespace(
        script_requests=script_requests.ScriptRequests(), fragment_ids_this_run=["k-part"]
    )
    monkeypatch.setattr(reruns, "get_script_run_ctx", lambda: ctx)
    return ctx


def test_no_run_no_fragment_nothing_pending(monkeypatch):
    monkeypatch.setattr(reruns, "get_script_run_ctx", lambda: None)
    assert not reruns.rerun_pending()
    assert not reruns.in_fragment_rerun()


def test_a_fragment_rerun_is_told_from_a_whole_page_run(run):
    assert reruns.in_fragment_rerun()
    run.fragment_ids_this_run = []
    assert not reruns.in_fragment_rerun()


def test_a_step_sent_while_waiting_is_seen_at_once(run):
    later = threading.Timer(
        0.05, run.script_requests.request_rerun, args=(script_requests.RerunData(),)
    )
    start = time.monotonic()
    later.start()
    try:
        assert reruns.newer_rerun_within(5.0)
    finally:
        later.cancel()
    assert time.monotonic() - start < 4.0  # seen when it came, not after the whole wait


def test_without_a_newer_step_the_wait_ends_with_false(run):
    assert not reruns.newer_rerun_within(0.05)
    run.script_requests.request_rerun(script_requests.RerunData())
    assert reruns.newer_rerun_within(0.0)
