"""AppTest fixtures: the app from its entry script, the shared datasets, download bytes.

`downloads` leans on Streamlit internals (AppTest keeps download bytes in a per-run
MemoryMediaFileStorage); it is the only place that does.
"""

from __future__ import annotations

import pytest
from apptools import DATASETS, ROOT, ok, run_entry_script_like_the_server
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module


@pytest.fixture
def dataset():
    """`dataset(name) -> bytes` of a file in ../shared/datasets."""

    def read(name: str) -> bytes:
        path = DATASETS / name
        if not path.exists():
            pytest.fail(f"{path} is missing: the app tests upload the shared datasets")
        return path.read_bytes()

    return read


@pytest.fixture
def app(monkeypatch) -> AppTest:
    """The app from its entry script, run once (the Data page, on the sample)."""
    monkeypatch.chdir(ROOT)
    run_entry_script_like_the_server(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return ok(at.run())


@pytest.fixture
def downloads(monkeypatch):
    """`read(button) -> MemoryFile`: what a download button sends (``.content`` bytes,
    ``.filename`` the file name the browser saves)."""
    stores: list[MemoryMediaFileStorage] = []

    class RecordingStorage(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingStorage)

    def read(button):
        filename = button.proto.url.rsplit("/", 1)[-1]
        for store in reversed(stores):
            try:
                return store.get_file(filename)
            except Exception:  # noqa: S112 - another run's store: try the next one
                continue
        raise AssertionError(f"no stored file for download {button.proto.label!r}")

    return read
