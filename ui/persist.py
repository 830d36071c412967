"""Work that survives a reload: the upload and the user's choices, kept on the server under
an unguessable random token in the page's address (``?session=...``).

* The token is 32 random bytes (`secrets.token_urlsafe`), made for each new visit. It is
  never derived from the file: two people uploading the same file get two tokens, and
  knowing a file's contents gives no way in to anyone's session.
* The store lives in this server process's memory only, bounded in time (a session not
  seen for `IDLE_SECONDS` is dropped) and in memory (at most `MAX_BYTES` of uploads and
  `MAX_SESSIONS` sessions; the least recently seen go first). Nothing is written to disk.
* A reload, or a new connection after a dropped one, with a known token brings back the
  upload, the features, transforms, k, names, campaign notes, value column and chart
  choices (`ui.state.PERSISTED`). An unknown token (the server restarted, or the session
  expired) gets a new token and a plain notice that the file must be uploaded again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui import state

#: The query parameter holding the token.
PARAM = "session"
#: A session not seen for this long is dropped (seconds).
IDLE_SECONDS = 12 * 3600
#: Upload bytes kept for all sessions together; the least recently seen go first beyond.
MAX_BYTES = 1024**3
#: Sessions kept at most.
MAX_SESSIONS = 500
#: Random bytes in a token (256 bits: not guessable).
TOKEN_BYTES = 32

#: Shown once when the address names a session this server does not have.
GONE_NOTICE = (
    "Your previous work could not be restored: the app was restarted or the session "
    "expired, and uploads are kept only while the app runs. Please upload the file again."
)


@dataclass
class _Entry:
    values: dict[str, Any]
    nbytes: int
    seen: float


class SessionStore:
    """Durable choices per token, bounded by idle time, total upload bytes and count.

    Thread-safe: every Streamlit session runs its script on its own thread.

    Examples
    --------
    >>> store = SessionStore(max_bytes=10, idle_seconds=60)
    >>> store.save("t1", {"k": 4}, nbytes=6, now=0.0)
    >>> store.save("t2", {"k": 5}, nbytes=6, now=1.0)   # 12 bytes > 10: t1 goes
    >>> store.load("t1", now=2.0) is None, store.load("t2", now=2.0)
    (True, {'k': 5})
    >>> store.load("t2", now=100.0) is None             # idle for more than 60 s
    True
    """

    def __init__(
        self,
        *,
        max_bytes: int = MAX_BYTES,
        max_sessions: int = MAX_SESSIONS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def save(self, token: str, values: dict[str, Any], *, nbytes: int, now: float) -> None:
        """Keep `values` under `token` (most recently seen), then enforce the bounds."""
        with self._lock:
            self._entries.pop(token, None)
            self._entries[token] = _Entry(dict(values), int(nbytes), now)
            self._evict(now)

    def load(self, token: str, *, now: float) -> dict[str, Any] | None:
        """The values under `token`, or None when unknown or expired."""
        with self._lock:
            self._evict(now)
            entry = self._entries.get(token)
            if entry is None:
                return None
            entry.seen = now
            self._entries.move_to_end(token)
            return dict(entry.values)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self._entries.values())

    def _evict(self, now: float) -> None:
        for token in [t for t, e in self._entries.items() if now - e.seen > self.idle_seconds]:
            del self._entries[token]
        total = self.nbytes
        while self._entries and (total > self.max_bytes or len(self._entries) > self.max_sessions):
            _, oldest = self._entries.popitem(last=False)
            total -= oldest.nbytes


#: The server's one store (a module is imported once per server process).
STORE = SessionStore()


def new_token() -> str:
    """A fresh unguessable token (URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _snapshot() -> tuple[dict[str, Any], int]:
    values = {key: state.get(key) for key in state.PERSISTED}
    dataset = values.get(state.DATASET)
    return values, len(dataset.data) if dataset is not None else 0


def start() -> None:
    """At the top of every run: restore a known session once, or start a new token; keep
    the token in the address (page changes drop query parameters)."""
    token = state.get(state.PERSIST_TOKEN)
    if token is None:
        asked = st.query_params.get(PARAM)
        values = STORE.load(asked, now=time.time()) if asked else None
        if values is not None:
            for key, value in values.items():
                state.put(key, value)
            token = asked
        else:
            if asked:
                state.put(state.PERSIST_NOTICE, GONE_NOTICE)
            token = new_token()
        state.put(state.PERSIST_TOKEN, token)
    if st.query_params.get(PARAM) != token:
        st.query_params[PARAM] = token
    notice = state.get(state.PERSIST_NOTICE)
    if notice:
        st.info(notice, icon=":material/restart_alt:")


def save() -> None:
    """At the end of every run: keep this session's upload and choices under its token.
    The notice about a lost session is shown on one run only."""
    token = state.get(state.PERSIST_TOKEN)
    if token is None:
        return
    values, nbytes = _snapshot()
    STORE.save(token, values, nbytes=nbytes, now=time.time())
    state.put(state.PERSIST_NOTICE, None)
