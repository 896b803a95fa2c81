"""Story briefs, the page, the feed and the Markdown, from briefs written here (no flow)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser

from kabar.tasks.dates import local_time
from kabar.tasks.feed import Links, atom_feed, entry_updated
from kabar.tasks.publish import digest_markdown
from kabar.tasks.site import render_index, web_link
from kabar.tasks.story_briefs import source_of, story_brief, story_key, story_markdown
from kabar.tasks.words import counted

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOSTILE = "<script>document.title='DIRTY'</script><img src=x onerror=alert(1)>"


def brief(headline: str, words: int, published: str | None, **more) -> dict:
    return {
        "headline": headline,
        "title_id": "Judul",
        "summary": f"Summary of {headline}.",
        "outlet": "Kompas",
        "published": published,
        "flags": [],
        "words": words,
        "source_file": "inbox/x.txt",
        "credits": [],
        **more,
    }


def story(*members: tuple[str, dict | None]) -> dict:
    record = {
        "story_id": "story-0123456789ab",
        "article_ids": [i for i, _ in members],
        "date": "2020-08-17T09:53:00+07:00",
        "updated": "2020-08-17T13:30:00+07:00",
    }
    return story_brief(record, [source_of(i, b, "failed: broke") for i, b in members])


def test_the_story_takes_the_fullest_articles_brief_and_lists_every_source():
    made = story(
        ("b", brief("Short one", 120, "2020-08-17T13:30:00+07:00", outlet="Media Indonesia")),
        ("a", brief("Full one", 480, "2020-08-17T09:53:00+07:00")),
        ("c", None),
    )
    assert made["headline"] == "Full one" and made["lead"] == "a"
    assert [s["article_id"] for s in made["sources"]] == ["a", "b", "c"]  # oldest, undated last
    assert made["outlets"] == ["Kompas", "Media Indonesia"]
    assert made["sources"][2]["problem"] == "failed: broke"
    assert story(("c", None)) is None  # no member briefed: nothing to show


def test_a_new_member_or_a_new_brief_changes_the_key_and_nothing_else_does():
    record = {"story_id": "s", "article_ids": ["a"], "date": None, "updated": None}
    one = [source_of("a", brief("A", 100, None))]
    assert story_key(record, one) == story_key(dict(record), [dict(one[0])])
    grown = {**record, "article_ids": ["a", "b"]}
    assert story_key(grown, [*one, source_of("b", brief("B", 50, None))]) != story_key(record, one)
    assert story_key(record, [source_of("a", brief("A again", 100, None))]) != story_key(
        record, one
    )


def test_a_brief_from_an_earlier_version_still_makes_a_story():
    old = {"headline": "Old", "summary": "Old summary.", "flags": ["x"], "published": None}
    made = story(("old", old))
    assert made["headline"] == "Old" and made["sources"][0]["links"] == []
    assert made["sources"][0]["words"] == 0 and made["outlets"] == []
    assert "Old" in render_index([made], NOW)


def test_flags_are_read_from_the_briefs_words():
    doubtful = 'Translation of "Kalimat": repetition loop; retried (still doubtful).'
    fixed = 'Translation of "Kalimat": repetition loop; retried (fixed).'
    unfaithful = "the summary mentions 7.000, which the translation does not"
    made = story(("a", brief("A", 9, None, flags=[doubtful, unfaithful])))
    assert made["doubtful_translation"] and made["unfaithful_summary"]
    page = render_index([made], NOW)
    assert "doubtful translation" in page and "unfaithful summary" in page
    calm = story(("a", brief("A", 9, None, flags=[fixed])))
    assert not calm["doubtful_translation"] and not calm["unfaithful_summary"]
    assert 'class="flag">doubtful' not in render_index([calm], NOW)


def test_article_text_is_escaped_everywhere_and_only_web_links_become_links():
    made = story(
        ("a", brief(HOSTILE, 9, None, summary=HOSTILE, outlet=HOSTILE,
                    links=["javascript:alert(1)", "https://example.org/berita/1"])),
    )  # fmt: skip
    page = render_index([made], NOW)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and 'href="https://example.org/berita/1"' in page
    assert web_link("data:text/html,x") is None and web_link("//example.org/x") is None

    feed = atom_feed([made | {"first_seen": NOW.isoformat()}], Links(Path("/o")), NOW)
    parsed = feedparser.parse(feed)
    assert not parsed.bozo
    assert parsed.entries[0].title == HOSTILE  # text, as the reader shows it
    assert "javascript:" not in parsed.entries[0].content[0].value

    markdown = story_markdown(made)
    assert "<script>" not in markdown and "\\<script\\>" in markdown


def test_the_feed_carries_atoms_required_elements_and_links_under_the_base_url():
    made = story(("a", brief("Bridge reopens\x0b\x00", 9, "2020-08-17T09:53:00+07:00")))
    feed = atom_feed([made], Links(Path("/o"), "https://kabar.example.org/id"), NOW)
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.bozo_exception  # control characters dropped, not refused
    # Ids do not follow --base-url: a folder served elsewhere later keeps its entries' ids.
    assert parsed.feed.id == "tag:localhost,2026:kabar/stories"
    other = feedparser.parse(atom_feed([made], Links(Path("/o"), "https://x.test/"), NOW))
    assert [e.id for e in other.entries] == [e.id for e in parsed.entries]
    assert parsed.feed.title and parsed.feed.updated and parsed.feed.author == "Kabar"
    [entry] = parsed.entries
    assert entry.id == "tag:localhost,2026:kabar/story-0123456789ab"
    assert entry.title == "Bridge reopens"
    assert entry.link == "https://kabar.example.org/id/index.html#story-0123456789ab"
    assert 'href="https://kabar.example.org/id/a/brief.md"' in entry.content[0].value
    assert entry.updated_parsed[:5] == (2020, 8, 17, 6, 30)  # the newest article, in UTC


def test_an_entry_moves_when_its_story_gains_an_older_article():
    record = {"updated": "2020-08-17T13:30:00+07:00", "changed": None, "first_seen": None}
    assert entry_updated(record, NOW).year == 2020
    assert entry_updated(record | {"changed": NOW.isoformat()}, NOW) == NOW
    assert (
        entry_updated({"updated": None, "first_seen": "2026-01-01T00:00:00+00:00"}, NOW).month == 1
    )


def test_the_digest_without_a_story_store_lists_each_brief_as_its_own_story():
    entries = [
        {"article_id": f"{n}-x", "source_file": f"in/{n}.txt", "also_as": [], "new": n == "a",
         "brief": brief(n.upper(), 9, f"2020-08-1{i}T09:00:00+07:00"), "problem": None}
        for i, n in enumerate("ab")
    ] + [{"article_id": "c-x", "source_file": "in/c.txt", "also_as": [], "new": False,
          "brief": None, "problem": "skipped: no article text"}]  # fmt: skip
    digest = digest_markdown(entries, None, NOW)
    assert "2 stories from 2 briefs; 1 new in this run." in digest
    assert digest.index("## B") < digest.index("## A") and digest.count("🆕") == 1
    assert "[A](a-x/brief.md) — from `a.txt`" in digest
    assert "- `c.txt`: skipped: no article text" in digest


def test_times_carry_their_zone_and_counts_their_number():
    made = story(("a", brief("One", 9, "2020-08-17T09:53:00+08:00", outlet="Tribun Bali")))
    page = render_index([made], NOW)
    assert "1 story from 1 article," in page and "· 1 article\n" in page
    assert "2020-08-17 09:53 WITA" in page
    assert "_Tribun Bali · 2020-08-17 09:53 WIB – 2020-08-17 13:30 WIB_" in story_markdown(made)
    assert local_time("2020-08-17T02:53:00+00:00") == "2020-08-17 02:53 UTC"
    assert local_time("2020-08-17T09:53:00+05:30") == "2020-08-17 09:53 +05:30"
    assert local_time("2020-08-17T09:53:00") == "2020-08-17 09:53"  # no zone: none invented
    assert counted(1, "story") == "1 story" and counted(0, "article") == "0 articles"


def test_an_exact_copy_s_two_addresses_are_told_apart_by_their_sites():
    links = ["https://www.kompas.com/read/1", "https://regional.example.id/berita/1"]
    page = render_index([story(("a", brief("Copied", 9, None, links=links)))], NOW)
    assert ">original at kompas.com</a>" in page
    assert ">original at regional.example.id</a>" in page
    single = render_index([story(("a", brief("One", 9, None, links=links[:1])))], NOW)
    assert ">original</a>" in single
    one_site = [links[0], "https://www.kompas.com/amp/read/1"]
    both = render_index([story(("a", brief("Amp", 9, None, links=one_site)))], NOW)
    assert ">original at kompas.com/read/1</a>" in both
    assert ">original at kompas.com/amp/read/1</a>" in both
