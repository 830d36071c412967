"""Errors raised by the segmentation core.

The tree::

    SegmentationError(ValueError)   anything the user can fix by changing input or settings
    ├── DataError                   the file or table cannot be used as customer data
    ├── SettingsError               a choice (features, k, scaler, transform, names) is not allowed
    └── SavedFileError              a saved segmentation file is broken, changed or too new

Every message names the offending value, the allowed range, and what to do.
"""

from __future__ import annotations


class SegmentationError(ValueError):
    """Base error of the core: a problem the user can fix."""


class DataError(SegmentationError):
    """The uploaded data cannot be segmented as it is (empty, not a table, no numbers...)."""


class SettingsError(SegmentationError):
    """A setting (features, k, scaler, transform, missing policy, names) is not allowed."""


class SavedFileError(SegmentationError):
    """A saved segmentation (.json) cannot be used: broken, truncated, edited, or too new."""
