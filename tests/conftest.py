"""Shared fixtures: the public datasets beside the repository (../shared/datasets)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The directory of real customer files, ``<repo>/../shared/datasets``."""
    return REPO_ROOT.parent / "shared" / "datasets"
