"""A reload brings back the upload, the choices, k and the names; only the same token does."""

from __future__ import annotations

import pytest
from apptools import (
    EXPORT,
    PROFILES,
    ROOT,
    SEGMENTS,
    goto,
    metric,
    ok,
    run_entry_script_like_the_server,
    texts,
    upload,
)
from streamlit.testing.v1 import AppTest

from ui import persist, state


@pytest.fixture
def reopen(monkeypatch):
    """`reopen(token) -> AppTest`: a new session (a reload) at an address with `token`."""
    monkeypatch.chdir(ROOT)
    run_entry_script_like_the_server(monkeypatch)

    def open_with(token: str | None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if token is not None:
            at.query_params[persist.PARAM] = token
        return ok(at.run())

    return open_with


def token_of(at: AppTest) -> str:
    return at.session_state[state.PERSIST_TOKEN]


def test_a_reload_brings_back_the_upload_choices_k_and_names(app, dataset, reopen):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    ok(app.slider(key="w.k").set_value(4).run())
    goto(app, PROFILES)
    box = next(t for t in app.text_input if t.label == "Segment 2 name")
    ok(box.input("Careful savers").run())
    token = token_of(app)
    assert app.query_params[persist.PARAM] == token

    again = reopen(token)
    assert r"File: mall\_customers\.csv" in texts(again)
    goto(again, SEGMENTS)
    assert again.slider(key="w.k").value == 4
    goto(again, PROFILES)
    assert (
        next(t for t in again.text_input if t.label == "Segment 2 name").value == "Careful savers"
    )
    assert metric(again, "Segments") == "4"


def test_an_unknown_token_says_the_file_must_be_uploaded_again(reopen):
    at = reopen(persist.new_token())  # as after a server restart: the store does not know it
    assert "Please upload the file again" in texts(at)
    assert "You're exploring the built-in sample" in texts(at)
    fresh = token_of(at)
    assert at.query_params[persist.PARAM] == fresh
    goto(at, EXPORT)  # the notice is shown once, not on every page
    assert "Please upload the file again" not in texts(at)


def test_the_same_file_in_two_sessions_gets_two_tokens(reopen, dataset):
    first, second = reopen(None), reopen(None)
    for at in (first, second):
        upload(at, "mall_customers.csv", dataset("mall_customers.csv"))
    digest = first.session_state[state.DATASET].digest
    assert token_of(first) != token_of(second)
    assert digest not in token_of(first) and digest[:16] not in token_of(first)
    # the file's digest opens nothing
    assert "Please upload the file again" in texts(reopen(digest))


def test_without_a_token_a_new_visit_starts_on_the_sample(reopen, dataset):
    at = reopen(None)
    upload(at, "mall_customers.csv", dataset("mall_customers.csv"))
    other = reopen(None)
    assert "You're exploring the built-in sample" in texts(other)
    assert "Please upload the file again" not in texts(other)
