"""The seen-store opened by several polls at once."""

import sqlite3
import threading

from kabar.tasks.seen import SeenStore


def test_a_new_store_opens_while_another_poll_holds_it(tmp_path):
    # Each source's poll opens the store; on a first run they make it at once, and switching
    # a new file to WAL fails at once with 'database is locked' while another connection
    # holds it (SQLite's busy wait does not cover it): CI saw one source's poll fail so.
    folder = tmp_path / "cache"
    folder.mkdir()
    other = sqlite3.connect(folder / "seen.sqlite", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another poll, mid-way through making the store
    releases = threading.Timer(0.3, other.execute, ["ROLLBACK"])
    releases.start()
    try:
        store = SeenStore(folder)  # waits for the other, then switches
    finally:
        releases.join()
        other.close()
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
