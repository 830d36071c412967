"""How well segments are separated: silhouette, Calinski-Harabasz and Davies-Bouldin.

The same values as scikit-learn's ``silhouette_score``, ``calinski_harabasz_score`` and
``davies_bouldin_score`` (tests/test_metrics.py compares them), computed for every k of a
sweep in one pass over the data instead of one pass per k.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from segmentation.sample import sample_rows
from segmentation.threads import WORKERS, one_thread

#: Silhouette is O(n^2): above this many customers it is computed on a fixed-seed sample.
#: The smallest sample that recommends the same k as the full data on the benchmark data
#: (benchmarks/README.md, decisions).
SILHOUETTE_SAMPLE = 3_000
#: Rows of silhouette distances computed at a time (3,000 x 512 float32: 6 MB per thread).
SILHOUETTE_BLOCK = 512


def silhouettes(
    matrix: np.ndarray, label_sets: Sequence[np.ndarray], random_state: int
) -> tuple[list[float | None], int | None]:
    """Mean silhouette of each labelling of `matrix`, sharing one pass over the distances.

    Above SILHOUETTE_SAMPLE rows it is computed on a fixed-seed sample (the same rows for
    every labelling, so scores of different k compare fairly). Distances are computed in
    row blocks and each block serves every labelling, so a sweep over k costs little more
    than one score. Equals sklearn's ``silhouette_score`` to about 1e-6.

    Returns the scores (None where a labelling has fewer than 2 segments or every row its
    own segment) and the sample size (None when all rows were used).

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> scores, sample = silhouettes(points, [np.array([0, 0, 1, 1]), np.zeros(4)], 42)
    >>> round(scores[0], 3), scores[1], sample
    (0.9, None, None)
    """
    n = len(matrix)
    idx = sample_rows(n, SILHOUETTE_SAMPLE, random_state)
    # float32: the distance passes are memory-bound, and the scores move by about 1e-6,
    # far below the sampling error.
    points = np.ascontiguousarray(matrix[idx], dtype=np.float32)
    codes = [np.unique(np.asarray(labels)[idx], return_inverse=True)[1] for labels in label_sets]
    widths = [int(c.max()) + 1 for c in codes]
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    sums = _distance_sums(points, _one_hot(codes, offsets))
    scores = [
        _mean_silhouette(c, sums[:, offset : offset + width])
        for c, offset, width in zip(codes, offsets, widths)
    ]
    m = len(points)
    return scores, (m if m < n else None)


def _one_hot(codes: list[np.ndarray], offsets: np.ndarray) -> np.ndarray:
    """Every labelling's one-hot matrix side by side, so each block of distances is
    multiplied once for all of them (one large matrix product instead of one per k)."""
    m = len(codes[0]) if codes else 0
    onehot = np.zeros((m, offsets[-1]), dtype=np.float32)
    for c, offset in zip(codes, offsets):
        onehot[np.arange(m), offset + c] = 1.0
    return onehot


def _distance_sums(points: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Per point and column of `onehot`: the sum of its distances to the points there."""
    m = len(points)
    sums = np.empty((m, onehot.shape[1]))
    # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y as ONE matrix product of augmented rows
    # [x, |x|^2, 1] . [-2y, 1, |y|^2]: the separate additions cost more than the product.
    norms = np.einsum("ij,ij->i", points, points)[:, None]
    ones = np.ones_like(norms)
    left = np.hstack([points, norms, ones])
    right = np.ascontiguousarray(np.hstack([-2.0 * points, ones, norms]).T)
    starts = range(0, m, SILHOUETTE_BLOCK)
    shares = [starts[i::WORKERS] for i in range(min(WORKERS, len(starts)))]
    # One buffer per thread, reused block after block (fresh memory is slow), allocated
    # here: memory a worker thread allocates stays in that thread's arena.
    buffers = [np.empty((min(m, SILHOUETTE_BLOCK), m), dtype=np.float32) for _ in shares]

    def fill(mine: range, buffer: np.ndarray) -> None:
        # BLAS on one thread per share: these numpy passes release the GIL.
        with one_thread():
            for start in mine:
                stop = min(start + SILHOUETTE_BLOCK, m)
                block = buffer[: stop - start]
                np.matmul(left[start:stop], right, out=block)
                np.maximum(block, 0.0, out=block)
                np.sqrt(block, out=block)
                block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # self-distance
                sums[start:stop] = block @ onehot

    if len(shares) == 1:
        fill(shares[0], buffers[0])
    elif shares:
        with ThreadPoolExecutor(max_workers=len(shares)) as pool:
            list(pool.map(fill, shares, buffers))
    return sums


def _mean_silhouette(codes: np.ndarray, total: np.ndarray) -> float | None:
    """Mean silhouette from each point's distance sums to every segment; None when
    undefined (one segment, or every point its own)."""
    m = len(codes)
    counts = np.bincount(codes)
    if len(counts) < 2 or len(counts) >= m:
        return None
    own = counts[codes]
    a = total[np.arange(m), codes] / np.maximum(own - 1, 1)
    mean_other = total / counts
    mean_other[np.arange(m), codes] = np.inf
    b = mean_other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    # A customer alone in its segment scores 0, as in Rousseeuw's definition.
    s = np.where(own > 1, np.nan_to_num(s), 0.0)
    return float(s.mean())


def separation_scores(points: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Calinski-Harabasz and Davies-Bouldin scores of `labels` on `points`, in one pass.

    The same values as scikit-learn's ``calinski_harabasz_score`` and
    ``davies_bouldin_score``, which loop over the segments with a boolean mask each; here
    the segment means come from one grouped sum.

    Parameters
    ----------
    points : numpy.ndarray
        Customers x features, scaled.
    labels : numpy.ndarray
        One segment per customer; at least 2 segments and fewer segments than customers.

    Returns
    -------
    (calinski_harabasz, davies_bouldin) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> ch, db = separation_scores(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    >>> round(ch, 1), round(db, 2)
    (200.0, 0.1)
    """
    points = np.asarray(points, dtype=float)
    codes = np.unique(labels, return_inverse=True)[1].ravel()
    n, k = len(points), int(codes.max()) + 1
    counts = np.bincount(codes, minlength=k).astype(float)
    # One bincount per feature: a grouped sum without np.add.at's slow row loop.
    sums = np.column_stack(
        [np.bincount(codes, weights=points[:, j], minlength=k) for j in range(points.shape[1])]
    )
    centroids = sums / counts[:, None]
    offsets = points - centroids[codes]
    squared = np.einsum("ij,ij->i", offsets, offsets)
    within = float(squared.sum())
    between = float(counts @ ((centroids - points.mean(axis=0)) ** 2).sum(axis=1))
    ch = 1.0 if within == 0.0 else between * (n - k) / (within * (k - 1.0))
    spread = np.bincount(codes, weights=np.sqrt(squared), minlength=k) / counts
    gaps = np.sqrt(((centroids[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2))
    if np.allclose(spread, 0.0) or np.allclose(gaps, 0.0):
        return ch, 0.0
    gaps[gaps == 0] = np.inf
    db = float(np.mean(np.max((spread[:, None] + spread[None, :]) / gaps, axis=1)))
    return ch, db
