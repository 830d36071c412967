"""A byte budget over the app's biggest cached results, shared by every session.

`st.cache_resource` bounds its caches by entry count only; a dozen million-row uploads
would hold gigabytes. Each big result is noted here with its size when it is used; when
the total passes `TOTAL_BYTES`, the least recently used results are cleared from their
caches (one entry at a time), and a session that needs one again reads it again from its
own upload.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd

#: The most the noted results may hold together, over all sessions (the raw uploads kept in
#: each session's state come on top: at most the 400 MB upload limit per session).
TOTAL_BYTES = 2_000_000_000

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[int, Callable[[], None]]] = OrderedDict()


def nbytes(value: object) -> int:
    """Memory held by a result: its arrays, frames and bytes (shared buffers counted once
    per result, small Python objects not at all)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=False, deep=False).sum())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        total = sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
        # Built on demand and kept in the instance (CustomerData.raw).
        return total + sum(nbytes(v) for k, v in vars(value).items() if k == "raw")
    return 0


def note(key: Hashable, result: object, clear: Callable[[], None]) -> None:
    """Record that ``result``, cached under ``key``, was just used; clear the least recently
    used others from their caches while the total is over `TOTAL_BYTES`."""
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return
    size = nbytes(result)  # measured once, outside the lock
    evicted = []
    with _lock:
        _entries[key] = (size, clear)
        total = sum(s for s, _ in _entries.values())
        while total > TOTAL_BYTES and len(_entries) > 1:  # the newest (key) stays
            _, (old_size, old_clear) = _entries.popitem(last=False)
            total -= old_size
            evicted.append(old_clear)
    for old_clear in evicted:
        old_clear()


def total() -> int:
    """Bytes the noted results hold now."""
    with _lock:
        return sum(s for s, _ in _entries.values())
