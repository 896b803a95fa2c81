"""One write transaction at a time on a store shared by threads and processes (SQLite)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def connection(path: Path, timeout: float) -> Iterator[sqlite3.Connection]:
    """A connection of its own (safe across threads), in autocommit mode: transactions are
    opened by `transaction`. `timeout`: how long to wait for another writer."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def transaction(path: Path, timeout: float) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: the write lock is taken at the start, so two runs never
    both read then both write; anything raised rolls the whole change back."""
    with connection(path, timeout) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def use_wal(path: Path, timeout: float) -> None:
    """Put the store at `path` in WAL mode, so that readers do not wait for a writer. The mode
    stays with the file; switching it can fail at once with 'database is locked' (SQLite's busy
    wait does not cover it) when another thread or process opens the same new store: retry
    until `timeout`."""
    deadline = time.monotonic() + timeout
    with connection(path, timeout) as db:
        while True:
            try:
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
