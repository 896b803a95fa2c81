"""What Kabar has seen on the web: feeds' validators, and every article page's state.

A small SQLite database in the cache folder. It is what makes fetching 'new only' and safe:

- a feed's ETag and Last-Modified, sent back on the next poll (a 304 costs one request);
- every article link taken from a feed, by canonical URL, with its state:
  `queued` (seen in a feed, not fetched yet), `fetched` (the page is in the step cache),
  `briefed`, `duplicate` (the same text as another article) or `failed`;
- a claim on each link while a run works on it, so two runs at once never fetch or brief
  the same article twice. A claim whose run has died (SIGKILL) is taken over by the next
  run; a page recorded as fetched is never requested again, its text comes from the cache.

Every change is one short transaction (WAL mode, a busy timeout), so a kill at any moment
leaves the store as it was before or after that change.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from kabar.tasks import sqlite

# A claim older than this is taken over even if its process looks alive (a run on another
# machine sharing the cache folder, a hung run): fetching and briefing one article takes
# seconds to minutes, never this long.
CLAIM_SECONDS = 3 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    polled_at REAL
);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,          -- canonical URL
    link TEXT NOT NULL,            -- the link as the feed gave it
    source TEXT NOT NULL,
    article_id TEXT NOT NULL,
    item TEXT NOT NULL,            -- the feed item (title, date) as JSON
    state TEXT NOT NULL,
    reason TEXT,
    content_hash TEXT,
    fetch_key TEXT,                -- the cache key of the fetched page
    duplicate_of TEXT,             -- article id of the article with the same text
    claimed_by TEXT,               -- host:pid of the run working on it
    claimed_at REAL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_by_hash ON pages (content_hash);
"""


# A link's states: waiting for a run (a new link, or one a dead run left), and done with.
UNFINISHED = ("queued", "fetched")
DONE = ("briefed", "duplicate", "failed")
_WAITING = f"state IN {UNFINISHED!r}"  # the first, as SQL


@dataclass(frozen=True)
class Page:
    """One article link as the store knows it."""

    url: str
    link: str
    source: str
    article_id: str
    item: dict
    state: str
    reason: str | None = None
    content_hash: str | None = None
    fetch_key: str | None = None
    duplicate_of: str | None = None


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str | None, claimed_at: float | None) -> bool:
    """Whether the run holding a claim may still be working on it."""
    if not owner or claimed_at is None or time.time() - claimed_at > CLAIM_SECONDS:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's run: only the age can end its claim
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


class SeenStore:
    """The store in `folder`/seen.sqlite. Safe to use from several threads and processes."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "seen.sqlite"
        self.owner = _me()
        sqlite.use_wal(self.path, timeout=30)  # two polls may open a new store at once
        db = sqlite3.connect(self.path, timeout=30)
        try:  # each statement is its own transaction; a second run finds them done
            db.executescript(_SCHEMA)
        finally:
            db.close()

    def _transaction(self):
        # A connection per transaction: cheap next to a web request, and safe across threads.
        return sqlite.transaction(self.path, timeout=30)

    def _reading(self):
        # Reads take no write lock: in WAL mode they see the last commit and block no one.
        return sqlite.connection(self.path, timeout=30)

    # --- feeds ---------------------------------------------------------------------------

    def validators(self, feed_url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) the feed sent last time."""
        with self._reading() as db:
            row = db.execute(
                "SELECT etag, last_modified FROM feeds WHERE url = ?", (feed_url,)
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, feed_url: str, etag: str | None, last_modified: str | None) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feeds (url, etag, last_modified, polled_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, polled_at = excluded.polled_at",
                (feed_url, etag, last_modified, time.time()),
            )

    # --- pages ---------------------------------------------------------------------------

    def queue(self, url: str, link: str, source: str, article_id: str, item: dict) -> bool:
        """Record a link found in a feed; False when it was known already."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO pages (url, link, source, article_id, item, state, "
                "updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)",
                (url, link, source, article_id, json.dumps(item), time.time()),
            )
        return cursor.rowcount == 1

    def page(self, url: str) -> Page | None:
        with self._reading() as db:
            row = db.execute(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE url = ?", (url,)).fetchone()
        return _page(row) if row else None

    def known(self, urls: list[str]) -> set[str]:
        """Which of these canonical URLs the store has seen (one query for a whole feed)."""
        with self._reading() as db:
            db.execute("CREATE TEMP TABLE asked (url TEXT PRIMARY KEY)")
            db.executemany("INSERT OR IGNORE INTO asked VALUES (?)", [(u,) for u in urls])
            rows = db.execute("SELECT url FROM pages JOIN asked USING (url)").fetchall()
        return {row[0] for row in rows}

    def unfinished(self) -> list[Page]:
        """Links queued or fetched but not briefed yet (a new link, or a run that died)."""
        with self._reading() as db:
            rows = db.execute(
                f"SELECT {_PAGE_COLUMNS} FROM pages WHERE {_WAITING} ORDER BY rowid"
            ).fetchall()
        return [_page(row) for row in rows]

    def briefed(self) -> list[Page]:
        """Links whose brief was written (by some run, into some output folder)."""
        with self._reading() as db:
            rows = db.execute(
                f"SELECT {_PAGE_COLUMNS} FROM pages WHERE state = 'briefed' ORDER BY rowid"
            ).fetchall()
        return [_page(row) for row in rows]

    def reopen(self, url: str) -> None:
        """A briefed link to brief again from its stored page (its brief was deleted)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE pages SET state = 'fetched', updated_at = ? WHERE url = ? "
                "AND state = 'briefed'",
                (time.time(), url),
            )

    def claim(self, url: str) -> bool:
        """Take the link for this run; False when another live run holds it or it is done."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT state, claimed_by, claimed_at FROM pages WHERE url = ?", (url,)
            ).fetchone()
            if row is None or row[0] not in UNFINISHED:
                return False
            if row[1] not in (None, self.owner) and _alive(row[1], row[2]):
                return False
            db.execute(
                "UPDATE pages SET claimed_by = ?, claimed_at = ? WHERE url = ?",
                (self.owner, time.time(), url),
            )
        return True

    def fetched(self, url: str, content_hash: str, fetch_key: str) -> str | None:
        """Record the page as fetched (its text is in the cache under `fetch_key`). Returns the
        article id of an earlier article with the same text, which this one duplicates."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT article_id FROM pages WHERE content_hash = ? AND url != ? "
                "AND state IN ('fetched', 'briefed') ORDER BY rowid LIMIT 1",
                (content_hash, url),
            ).fetchone()
            state, original = ("duplicate", row[0]) if row else ("fetched", None)
            db.execute(
                "UPDATE pages SET state = ?, content_hash = ?, fetch_key = ?, duplicate_of = ?, "
                "updated_at = ? WHERE url = ?",
                (state, content_hash, fetch_key, original, time.time(), url),
            )
        return original

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        """`briefed`, or `failed` with the reason; the claim ends. A failed link that may
        pass later (a timeout) is put back as `queued` by passing state='queued'."""
        with self._transaction() as db:
            db.execute(
                "UPDATE pages SET state = ?, reason = ?, claimed_by = NULL, claimed_at = NULL, "
                "updated_at = ? WHERE url = ?",
                (state, reason, time.time(), url),
            )

    def release(self, url: str) -> None:
        """Give a claim back without changing the state (the run ends before the brief)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE pages SET claimed_by = NULL, claimed_at = NULL WHERE url = ? "
                "AND claimed_by = ?",
                (url, self.owner),
            )

    def links_of(self, article_id: str) -> list[str]:
        """Every link of an article: its own, then those of pages with the same text."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT url FROM pages WHERE article_id = ? OR duplicate_of = ? ORDER BY "
                "duplicate_of IS NOT NULL, rowid",
                (article_id, article_id),
            ).fetchall()
        return [row[0] for row in rows]


class UnreadableStore(RuntimeError):
    """The seen-store is there but cannot be read (locked past the timeout, damaged)."""


def _read_only(folder: Path, query: str, asked: list[str] | None = None) -> list[tuple]:
    """Rows of a query on the store in `folder`, opened read-only: for commands that only
    look (`kabar prune`, `kabar sources check`). `asked` fills the temporary table `asked`
    (url), as `SeenStore.known` does. No store: no rows. A store that cannot be read raises
    UnreadableStore: 'nothing recorded' is not what it says."""
    path = folder / "seen.sqlite"
    if not path.is_file():
        return []
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            if asked is not None:
                db.execute("CREATE TEMP TABLE asked (url TEXT PRIMARY KEY)")
                db.executemany("INSERT OR IGNORE INTO asked VALUES (?)", [(u,) for u in asked])
            return db.execute(query).fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise UnreadableStore(f"{path}: {error}") from None


def pending_fetch_keys(folder: Path) -> set[str]:
    """The cache keys of pages fetched but not briefed yet (UnreadableStore when unsure)."""
    query = f"SELECT fetch_key FROM pages WHERE {_WAITING} AND fetch_key IS NOT NULL"
    return {key for (key,) in _read_only(folder, query)}


def link_states(folder: Path, urls: list[str]) -> dict[str, str]:
    """The state of each of these canonical URLs the store knows (queued, fetched, briefed,
    duplicate, failed); UnreadableStore when the store cannot be read."""
    query = "SELECT url, state FROM pages JOIN asked USING (url)"
    return dict(_read_only(folder, query, asked=urls))


_PAGE_COLUMNS = (
    "url, link, source, article_id, item, state, reason, content_hash, fetch_key, duplicate_of"
)


def _page(row: tuple) -> Page:
    url, link, source, article_id, item, *rest = row
    return Page(url, link, source, article_id, json.loads(item), *rest)
