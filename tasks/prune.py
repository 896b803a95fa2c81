"""Remove what a long-running service piles up: old digests and unused cache entries."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from kabar.tasks import cache
from kabar.tasks.seen import UnreadableStore, pending_fetch_keys

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> float:
    """'30d', '12h', '2w' -> seconds."""
    match = _AGE.match(text.strip().lower())
    if not match:
        raise ValueError(f"'{text}' is not an age: write a number and a unit, like 30d or 12h.")
    return float(match[1]) * _SECONDS[match[2]]


def keys_in_use(output: Path) -> set[str]:
    """Cache entries the current briefs were made from (their steps.json files)."""
    keys: set[str] = set()
    for record in output.glob("*/steps.json"):
        try:
            keys.update(json.loads(record.read_text(encoding="utf-8"))["cache_keys"])
        except (OSError, ValueError, KeyError):
            continue  # an unreadable record protects nothing, and blocks nothing
    return keys


@dataclass
class PruneReport:
    digests: list[Path]
    cache_entries: list[Path]


def prune(output: Path, cache_dir: Path, older_than: float, dry_run: bool = False) -> PruneReport:
    """Delete digests and unused cache entries last written more than `older_than` s ago.

    `digest.md` (the latest), cache entries any current brief was made from, and the
    stored pages of links not briefed yet stay.
    """
    cutoff = time.time() - older_than
    old_digests = [
        p for p in sorted((output / "digests").glob("*.md")) if p.stat().st_mtime < cutoff
    ]
    # The stored pages of links fetched but not briefed yet: the next run briefs them from
    # the cache, without asking the site again.
    try:
        keys, every_page = keys_in_use(output) | pending_fetch_keys(cache_dir), False
    except UnreadableStore:  # which pages wait to be briefed is unknown: keep every page
        keys, every_page = keys_in_use(output), True
    in_use = {cache.entry(cache_dir, key) for key in keys}
    old_entries = [
        p
        for p in cache.entries(cache_dir)
        if p not in in_use
        and not (every_page and p.name.startswith("fetch-"))
        and p.stat().st_mtime < cutoff
    ]
    if not dry_run:
        for path in [*old_digests, *old_entries]:
            path.unlink(missing_ok=True)
    return PruneReport(old_digests, old_entries)
