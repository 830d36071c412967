"""Thread control for numeric work: how many worker threads, and numeric libraries on one.

The app serves several sessions on a 2-core machine; each fit or score keeps its OpenMP/BLAS
libraries on one thread and the work that splits into independent parts (the k of a sweep,
the blocks of silhouette distances) runs on `WORKERS` Python threads instead.
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController

#: Threads for work that splits into independent parts; each runs its numeric libraries on
#: one thread (those parts release the GIL), one per core of the machine.
WORKERS = 2


@functools.cache
def _threadpools() -> ThreadpoolController:
    # Found once: every limit would otherwise search the loaded libraries again.
    return ThreadpoolController()


def one_thread():
    """Run numeric work (OpenMP, BLAS) on one thread: a context manager.

    Concurrent fits with a thread pool each oversubscribe the cores; on one thread each
    they do not (benchmarks/README.md, decisions). OpenMP's limit is per thread: enter it in
    the thread that does the work.

    Examples
    --------
    >>> import numpy as np
    >>> with one_thread():
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    return _threadpools().limit(limits=1)
