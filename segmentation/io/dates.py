"""Text columns that hold dates: never an id, and listed apart in the health report."""

from __future__ import annotations

import re

import pyarrow as pa

from segmentation.io.numbers import _sample

_DATE_PATTERNS = (
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?$",
    r"^\d{1,2}[ -][A-Za-z]{3,9}[ -,]+\d{2,4}$",
    r"^[A-Za-z]{3,9} \d{1,2},? \d{4}$",
)
_DATE_RE = re.compile("|".join(f"(?:{p})" for p in _DATE_PATTERNS))


def _looks_like_dates(column: pa.ChunkedArray) -> bool:
    """Every value near the top of the column is written like a date."""
    sample = _sample(column, 200)
    return bool(sample) and all(_DATE_RE.match(v) for v in sample)
