import json
import os
import time

import pytest

from kabar.tasks.prune import parse_age, prune


def test_parse_age():
    assert parse_age("30d") == 30 * 86400 and parse_age("12h") == 43200
    with pytest.raises(ValueError, match="not an age"):
        parse_age("soon")


def test_prune_keeps_what_current_briefs_use_recent_files_and_the_stores(tmp_path):
    from kabar.tasks.cache import step_key

    output, cache = tmp_path / "out", tmp_path / ".kabar-cache"
    (output / "digests").mkdir(parents=True)
    (output / "a").mkdir()
    cache.mkdir()
    used, unused, recent = (step_key("clean", "1", n) for n in ("used", "unused", "recent"))
    (output / "a" / "steps.json").write_text(json.dumps({"cache_keys": [used]}))
    old = time.time() - 40 * 86400
    stores = ["seen.sqlite", "seen.sqlite-wal", "stories.sqlite", "stories.sqlite-shm"]
    for name in (used, unused, recent, *stores):
        (cache / name).write_text("{}")
    (output / "digests" / "old.md").write_text("old")
    (output / "digests" / "new.md").write_text("new")
    (output / "digest.md").write_text("latest")
    for path in (cache / used, cache / unused, output / "digests" / "old.md"):
        os.utime(path, (old, old))
    for name in stores:  # the stores are old files too: they must stay all the same
        os.utime(cache / name, (old, old))

    dry = prune(output, cache, parse_age("30d"), dry_run=True)
    assert [p.name for p in dry.cache_entries] == [unused] and (cache / unused).exists()
    report = prune(output, cache, parse_age("30d"))
    assert [p.name for p in report.digests] == ["old.md"]
    # nothing else went (reading the seen-store may leave its -wal and -shm files beside it)
    left = {p.name for p in cache.iterdir()}
    assert {recent, used, *stores} <= left and not (cache / unused).exists()
    assert left - {recent, used, *stores} <= {"seen.sqlite-wal", "seen.sqlite-shm"}
    assert (output / "digest.md").exists() and (output / "digests" / "new.md").exists()


def test_prune_keeps_the_stored_page_of_a_link_fetched_but_not_briefed(tmp_path):
    from kabar.tasks.cache import step_key
    from kabar.tasks.seen import SeenStore

    output, cache = tmp_path / "out", tmp_path / ".kabar-cache"
    output.mkdir()
    store = SeenStore(cache)
    url = "https://warta.example/berita/banjir"
    store.queue(url, url, "https://warta.example/rss.xml", "warta-banjir", {})
    assert store.claim(url)
    key = step_key("fetch", "1", url)
    store.fetched(url, "hash-of-text", key)
    (cache / key).write_text("{}")  # the page, as the fetch step stored it
    old = time.time() - 40 * 86400
    os.utime(cache / key, (old, old))

    assert prune(output, cache, parse_age("30d")).cache_entries == []
    store.finish(url, "briefed")  # briefed, and its output folder since deleted: no longer needed
    assert [p.name for p in prune(output, cache, parse_age("30d")).cache_entries] == [key]


def test_a_seen_store_that_cannot_be_read_keeps_every_stored_page(tmp_path):
    from kabar.tasks.cache import step_key

    output, cache = tmp_path / "out", tmp_path / ".kabar-cache"
    output.mkdir()
    cache.mkdir()
    (cache / "seen.sqlite").write_text("not a database")
    page, clean = step_key("fetch", "1", "https://a.example/x"), step_key("clean", "1", "x")
    old = time.time() - 40 * 86400
    for key in (page, clean):
        (cache / key).write_text("{}")
        os.utime(cache / key, (old, old))
    # which pages wait to be briefed is unknown: pages stay, the rest goes as usual
    assert [p.name for p in prune(output, cache, parse_age("30d")).cache_entries] == [clean]
    assert (cache / page).exists()
