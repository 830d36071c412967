"""Exports: the labelled table, per-segment lists, CSV bytes safe for spreadsheets."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from segmentation.io import CustomerData
from segmentation.model import Segmentation


def labelled_customers(
    data: CustomerData, segmentation: Segmentation, names: Sequence[str]
) -> pd.DataFrame:
    """Every input row in input order, every original cell as text, plus ``segment``
    (1..k, "" when unassigned), ``segment_name`` and ``unassigned_reason``."""
    raise NotImplementedError


def segment_customers(
    data: CustomerData, segmentation: Segmentation, names: Sequence[str], segment: int
) -> pd.DataFrame:
    """The rows of `labelled_customers` in segment number `segment` (1..k)."""
    raise NotImplementedError


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes with formula injection neutralised in text cells."""
    raise NotImplementedError
