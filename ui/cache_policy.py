"""How the app's caches are bounded and keyed: entry counts, the key of a saved segmentation
applied, and results made read-only because every session shares one object."""

from __future__ import annotations

import dataclasses

import numpy as np

# Bounds by count (least recently used evicted first). Measured sizes in memory, at 100k
# and at 1M customers x 7 columns: CustomerData ~5 MB / ~50 MB (plus its raw text frame
# once shown), PreparedFeatures ~6 MB / ~64 MB, Segmentation ~2 MB / ~16 MB, a scatter
# figure ~3 MB (at most 20k points drawn, whatever the size), KChoice, Profiles and an
# elbow figure a few KB. Ten users on 100k-row files and one on a 1M file need well under
# 1 GB; even every entry at 1M rows stays under ~4 GB. The byte-bounded CSV caches
# (st.cache_data) add at most their max_size.
LOADS = 12
PREPARED = 16
SWEEPS = 64
FITS = 32
PROFILES = 64
SCATTERS = 32
EXPORTS, EXPORTS_SIZE = 8, "300MB"


def read_only(result):
    """`result` (a frozen dataclass) with its numpy arrays made read-only: shared, never edited."""
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return result


# A saved segmentation's results are cached under "<data digest>+<saved file digest>" where a
# fit's are under the data digest, so the two never share an entry (same features and k or not).
def applied_key(data_digest: str, saved_digest: str) -> str:
    """The cache key of a saved segmentation applied to some data."""
    return f"{data_digest}+{saved_digest}"


def is_applied_key(digest: str) -> bool:
    """Whether `digest` is an `applied_key`."""
    return "+" in digest
