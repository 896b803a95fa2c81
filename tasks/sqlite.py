"""One write transaction at a time on a store shared by threads and processes (SQLite)."""

from __future__ import annotations

import sqlite3
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
