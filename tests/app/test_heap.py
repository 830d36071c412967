"""`ui.heap`: the libraries' objects are frozen once per process, so Streamlit's collection
after each run skips them, while what a run leaves behind is still collected."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from apptools import ROOT, ok


def test_start_up_objects_frozen_once_and_new_garbage_still_collected():
    script = textwrap.dedent(
        """
        import gc, weakref
        import pandas
        from ui import heap
        assert gc.get_freeze_count() == 0
        assert heap.freeze_startup_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000, frozen  # pandas alone brings tens of thousands
        assert not heap.freeze_startup_objects()
        assert gc.get_freeze_count() == frozen  # a second run freezes nothing more

        class Node: pass
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect(2)
        assert gone() is None
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_app_freezes_them_at_its_first_run_only(app, monkeypatch):
    from ui import heap

    calls = []
    monkeypatch.setattr(heap, "_frozen", False)
    monkeypatch.setattr(heap.gc, "freeze", lambda: calls.append("freeze"))
    ok(app.run())
    ok(app.run())
    assert calls == ["freeze"]
