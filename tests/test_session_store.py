"""The reload store: bounded in time, bytes and count; tokens random, never from the file."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ui.persist import TOKEN_BYTES, SessionStore, new_token


def test_tokens_are_long_random_and_url_safe():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) >= TOKEN_BYTES * 4 // 3 and t.replace("-", "").replace("_", "").isalnum()
               for t in tokens)  # fmt: skip


def test_idle_sessions_expire():
    store = SessionStore(idle_seconds=10)
    store.save("a", {"k": 3}, nbytes=0, now=0.0)
    assert store.load("a", now=9.0) == {"k": 3}
    assert store.load("a", now=18.0) == {"k": 3}  # loading counts as being seen
    assert store.load("a", now=29.0) is None


def test_least_recently_seen_go_first_when_memory_is_full():
    store = SessionStore(max_bytes=100)
    store.save("a", {}, nbytes=40, now=0.0)
    store.save("b", {}, nbytes=40, now=1.0)
    store.load("a", now=2.0)
    store.save("c", {}, nbytes=40, now=3.0)
    assert store.load("b", now=4.0) is None
    assert store.load("a", now=4.0) == {} and store.load("c", now=4.0) == {}


def test_a_saved_copy_is_not_changed_by_later_edits():
    store = SessionStore()
    values = {"k": 3}
    store.save("a", values, nbytes=0, now=0.0)
    values["k"] = 9
    assert store.load("a", now=1.0) == {"k": 3}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 60)), min_size=1, max_size=40))
def test_bounds_always_hold(saves):
    store = SessionStore(max_bytes=100, max_sessions=4)
    for i, (token, size) in enumerate(saves):
        store.save(str(token), {"i": i}, nbytes=size, now=float(i))
        assert len(store) <= 4
        assert store.nbytes <= 100 or len(store) == 0
