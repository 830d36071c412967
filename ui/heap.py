"""The objects made at start-up (the imported libraries) kept out of the garbage
collector's full passes.

Streamlit runs a full collection after every run (`runner.postScriptGC`), which walked every
object of pandas, scikit-learn and Plotly each time: a delay after each run, k step or
click (measured in benchmarks/README.md). Frozen, they are skipped; what a run leaves behind
is still collected after it.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_objects() -> bool:
    """Freeze every object alive now, once per process; True when this call froze them."""
    global _frozen
    if _frozen:
        return False
    gc.collect()
    gc.freeze()
    _frozen = True
    return True
