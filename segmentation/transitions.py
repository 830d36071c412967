"""How the segments at one k split or regroup at another: who goes where.

Two fits of the same prepared customers (say k=4 and k=5, as the app fits them) are compared
customer by customer: a counts matrix says how many customers of each segment at the first
k are in each segment at the second. One more segment either finds a new group (a new
segment drawn from several old ones, or from one old one that was two groups) or cuts an
old segment in two; the matrix and `describe_transition` say which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from segmentation.errors import SettingsError
from segmentation.model import Segmentation

#: A part of a segment counts in a description when it holds at least this share of it.
PART = 0.2


@dataclass(frozen=True)
class Transition:
    """Customers of each segment at `k_from` by their segment at `k_to`.

    Attributes
    ----------
    k_from, k_to : int
    counts : numpy.ndarray
        int64, k_from x k_to: row i, column j = customers in segment i at `k_from` and in
        segment j at `k_to` (0-based), over customers assigned in both.
    """

    k_from: int
    k_to: int
    counts: np.ndarray

    @property
    def n_customers(self) -> int:
        """Customers counted (assigned in both fits)."""
        return int(self.counts.sum())


def segment_transitions(before: Segmentation, after: Segmentation) -> Transition:
    """The counts matrix from the segments of `before` to those of `after`.

    Both must be fits of the same customers (the same table and preparation, any k).

    Raises
    ------
    SettingsError
        The two segmentations are not of the same customers.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation import fit_segments
    >>> df = pd.DataFrame({"spend": [1.0, 1.1, 5.0, 5.2, 9.0, 9.1, 9.2]})
    >>> two, three = fit_segments(df, ["spend"], 2), fit_segments(df, ["spend"], 3)
    >>> two.labels.tolist(), three.labels.tolist()
    ([0, 0, 0, 0, 1, 1, 1], [1, 1, 2, 2, 0, 0, 0])
    >>> segment_transitions(two, three).counts.tolist()
    [[0, 2, 2], [3, 0, 0]]
    """
    a, b = np.asarray(before.labels), np.asarray(after.labels)
    if len(a) != len(b) or before.features != after.features or not np.array_equal(a < 0, b < 0):
        raise SettingsError(
            "The two segmentations are not of the same customers and features: fit both "
            "on the same prepared table to compare them."
        )
    both = (a >= 0) & (b >= 0)
    counts = np.bincount(a[both] * after.k + b[both], minlength=before.k * after.k)
    return Transition(before.k, after.k, counts.reshape(before.k, after.k).astype(np.int64))


def describe_transition(
    transition: Transition, names_from: Sequence[str], names_to: Sequence[str]
) -> str:
    """One or two sentences a marketer can read: which segments split, which new ones form.

    Segments are numbered 1..k in the text, followed by their names.

    Examples
    --------
    >>> t = Transition(2, 3, np.array([[50, 0, 0], [0, 30, 20]]))
    >>> describe_transition(t, ["A", "B"], ["A", "B1", "B2"])
    'From 2 to 3 segments: 2 · B splits into 2 · B1 (60%) and 3 · B2 (40%).'
    """
    counts = transition.counts
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    sentences = []
    for i, row in enumerate(shares):
        parts = [j for j in np.argsort(-row, kind="stable") if row[j] >= PART]
        if len(parts) > 1:
            pieces = [f"{j + 1} · {names_to[j]} ({row[j]:.0%})" for j in parts]
            joined = ", ".join(pieces[:-1]) + " and " + pieces[-1]
            sentences.append(f"{i + 1} · {names_from[i]} splits into {joined}.")
    cols = counts.sum(axis=0, keepdims=True)
    into = np.divide(counts, cols, out=np.zeros(counts.shape), where=cols > 0)
    for j in range(counts.shape[1]):
        sources = [i for i in np.argsort(-into[:, j], kind="stable") if into[i, j] >= PART]
        if len(sources) > 1:
            joined = ", ".join(f"{i + 1} · {names_from[i]}" for i in sources[:-1])
            sentences.append(
                f"{j + 1} · {names_to[j]} gathers customers of {joined} and "
                f"{sources[-1] + 1} · {names_from[sources[-1]]}."
            )
    head = f"From {transition.k_from} to {transition.k_to} segments: "
    if not sentences:
        return head + "every segment keeps its customers together; none splits or merges."
    return head + " ".join(sentences)
