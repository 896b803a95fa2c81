"""Stories in the flow, on the real seeds: grouped by event, briefed, published as a page (read
in a real headless Chromium), an Atom feed, Markdown and Prefect artifacts.

The grouping reads the cleaned Indonesian text, so these runs make the translate step pass the
text through (`is_english` says yes: no model is loaded, the step is `skipped: already in
English`): a Marian on the real seeds costs minutes here, and what these tests check does not
depend on the English. The web test runs the trained Marian on its own domain.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from outlets import Outlet
from sites import Site

from kabar.flows.briefing import briefing

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
KABAR = Path(sys.executable).parent / "kabar"
EXPECTED = {frozenset({"002", "004"}), frozenset({"001", "003"}), frozenset({"000"})}


def run(inbox: Path, out: Path, translator: Path, **options):
    return briefing(
        inbox=str(inbox), output=str(out), translator=str(translator), summariser="lead", **options
    )


def passed_through(patch) -> None:
    """Every sentence counts as English: translate passes the seed text through."""
    patch.setattr("kabar.tasks.translate.is_english", lambda text: True)


def groups(out: Path) -> set[frozenset[str]]:
    """The output folder's stories, each as the file-name prefixes of its articles."""
    index = json.loads((out / "stories.json").read_text())
    return {frozenset(s["article_id"][:3] for s in story["sources"]) for story in index["stories"]}


@pytest.fixture(scope="module")
def seeds_runs(prefect_api, trained_models, tmp_path_factory):
    """Two runs on one output folder: the seeds but 004, then all five (004 joins 002)."""
    base = tmp_path_factory.mktemp("stories")
    inbox, out = base / "inbox", base / "out"
    inbox.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:4]:
        shutil.copy(seed, inbox)
    with pytest.MonkeyPatch.context() as patch:
        passed_through(patch)
        first = run(inbox, out, trained_models["marian"], return_state=True)
        before = {
            name: (out / name).read_text() for name in ("feed.xml", "stories.json", "index.html")
        }
        shutil.copy(SEEDS / "004_e66f095ecd421a71.txt", inbox)
        second = run(inbox, out, trained_models["marian"], return_state=True)
    return {"out": out, "first": first, "second": second, "before": before}


def test_the_seeds_make_three_stories_and_a_new_article_joins_its_own(seeds_runs):
    out = seeds_runs["out"]
    assert groups(out) == EXPECTED
    first_index = json.loads(seeds_runs["before"]["stories.json"])
    first = {frozenset(s["article_id"][:3] for s in st["sources"]) for st in first_index["stories"]}
    assert first == {frozenset({"002"}), frozenset({"001", "003"}), frozenset({"000"})}

    # Only the story that gained an article is briefed again; the others are cache hits.
    report = seeds_runs["second"].result()
    index = json.loads((out / "stories.json").read_text())
    joined = next(s for s in index["stories"] if len(s["sources"]) == 2 and
                  s["sources"][0]["article_id"].startswith("002"))  # fmt: skip
    assert report["stories"][joined["story_id"]] == "done"
    assert sorted(v for k, v in report["stories"].items() if k != joined["story_id"]) == [
        "cached",
        "cached",
    ]
    # Dates: earliest and newest member; newest-updated first.
    assert (joined["date"], joined["updated"]) == (
        "2020-10-25T16:25:00+07:00",
        "2020-10-26T11:26:00+07:00",
    )
    assert [s["updated"][:10] for s in index["stories"]] == ["2020-10-26", "2020-09-11",
                                                             "2020-08-17"]  # fmt: skip
    assert joined["outlets"] == ["Republika", "Elshinta"]
    assert joined["headline"] and joined["summary"]


def test_the_digest_lists_stories_with_every_source(seeds_runs):
    digest = (seeds_runs["out"] / "digest.md").read_text()
    index = json.loads((seeds_runs["out"] / "stories.json").read_text())
    assert digest.count("\n## ") == 3 and "3 stories from 5 briefs; 1 new in this run." in digest
    assert digest.count("🆕") == 1
    for story in index["stories"]:
        section = digest.split(f"## {story['headline']}\n", 1)[1].split("\n## ", 1)[0]
        for source in story["sources"]:
            assert f"]({source['article_id']}/brief.md)" in section
            assert f"`{source['article_id'].rsplit('-', 1)[0]}.txt`" in section


def test_the_feed_is_atom_with_stable_ids_and_moves_a_story_that_gained_an_article(seeds_runs):
    out = seeds_runs["out"]
    before = feedparser.parse(seeds_runs["before"]["feed.xml"])
    after = feedparser.parse((out / "feed.xml").read_text())
    for feed in (before, after):
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.feed.id.startswith("tag:") and feed.feed.title and feed.feed.updated
        assert feed.feed.author == "Kabar"
        for entry in feed.entries:
            assert entry.id.startswith("tag:") and entry.title and entry.updated
    assert len(after.entries) == 3
    updated_before = {e.id: e.updated_parsed for e in before.entries}
    updated_after = {e.id: e.updated_parsed for e in after.entries}
    assert set(updated_before) <= set(updated_after)  # the same ids, run after run
    moved = {i for i in updated_before if updated_after[i] != updated_before[i]}
    index = json.loads((out / "stories.json").read_text())
    joined = next(s["story_id"] for s in index["stories"] if len(s["sources"]) == 2
                  and s["sources"][0]["article_id"].startswith("002"))  # fmt: skip
    assert {i.rsplit("/", 1)[1] for i in moved} == {joined}
    assert all(updated_after[i] > updated_before[i] for i in moved)
    # No --base-url: file links, to files that exist (read from the XML itself: feedparser
    # rewrites file: addresses).
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.parse(out / "feed.xml").getroot()
    for entry in root.iter(f"{atom}entry"):
        hrefs = [entry.find(f"{atom}link").get("href")]
        hrefs += re.findall(r'href="([^"]+)"', entry.find(f"{atom}content").text)
        for href in hrefs:
            link = urlsplit(href)
            assert link.scheme == "file" and Path(unquote(link.path)).is_file(), href


class _Page(HTMLParser):
    """What a reader can see and follow: the text, the links, the element ids and the tags."""

    def __init__(self) -> None:
        super().__init__()
        self.text, self.links, self.ids, self.tags = [], [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_data(self, data):
        self.text.append(data)


def browse(page: Path, tmp_path: Path) -> tuple[str, _Page]:
    """The page as headless Chromium rendered it from disk (the DOM after any script ran)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is missing: `apt-get install -y chromium` (.ci/run installs it)")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=3000",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    parsed = _Page()
    parsed.feed(result.stdout)
    return result.stdout, parsed


def assert_links_resolve(page: Path, parsed: _Page) -> None:
    for href in parsed.links:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            continue  # an original on the web: not fetched here
        assert not parts.scheme, href  # no javascript:, no data:
        if parts.path:
            assert (page.parent / unquote(parts.path)).is_file(), href
        if parts.fragment:
            assert parts.fragment in parsed.ids, href


def test_the_page_in_chromium_shows_every_story_and_every_link_resolves(seeds_runs, tmp_path):
    out = seeds_runs["out"]
    _, page = browse(out / "index.html", tmp_path)
    text = " ".join(" ".join(page.text).split())
    index = json.loads((out / "stories.json").read_text())
    positions = [text.index(" ".join(s["headline"].split())) for s in index["stories"]]
    assert positions == sorted(positions)  # newest-updated first
    for story in index["stories"]:
        assert story["story_id"] in page.ids
        for outlet in story["outlets"]:
            assert outlet in text
    assert "script" not in page.tags
    linked = {href for href in page.links if href.endswith("/brief.md")}
    assert len(linked) == 5  # each article's own brief, one click away
    assert_links_resolve(out / "index.html", page)


def test_prefect_shows_the_grouping_linked_to_its_cleans_and_an_artifact_per_story(seeds_runs):
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
    )

    state = seeds_runs["second"]
    flow_run = state.state_details.flow_run_id
    runs_of = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run]))
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 30  # task runs reach the server as events
        while len(runs := client.read_task_runs(flow_run_filter=runs_of)) < 5 * 3 + 1 + 3:
            assert time.monotonic() < deadline, [r.name for r in runs]
            time.sleep(0.5)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run]))
        )
    by_name = {r.name: r for r in runs}
    grouping = by_name["group · stories"]
    linked = {r.id for inputs in grouping.task_inputs.values() for r in inputs}
    cleans = {r.id for name, r in by_name.items() if name.startswith("clean · ")}
    assert len(cleans) == 5 and linked == cleans

    index = json.loads((seeds_runs["out"] / "stories.json").read_text())
    for story in index["stories"]:
        task_run = by_name[f"story · {story['story_id']}"]
        inputs = {name: {r.id for r in refs} for name, refs in task_run.task_inputs.items()}
        assert inputs["story"] == {grouping.id}

    found = {a.key: a for a in artifacts}
    for story in index["stories"]:
        artifact = found[story["story_id"]]
        assert artifact.description.startswith(story["headline"][:40])
        assert story["outlets"][0] in artifact.description
        assert artifact.data.startswith("# ")
    table = found["kabar-run"].data
    rows = json.loads(table) if isinstance(table, str) else table
    order = [row["story"] for row in rows]
    assert len(rows) == 5 and all(order)
    assert [s for i, s in enumerate(order) if i == 0 or order[i - 1] != s] == [
        s["story_id"] for s in index["stories"]
    ]  # grouped: each story's rows side by side, in the page's order


def test_kabar_stories_lists_an_output_folder_and_says_so_when_it_has_none(seeds_runs, tmp_path):
    out = seeds_runs["out"]
    listed = subprocess.run([KABAR, "stories", "--output", out], capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    index = json.loads((out / "stories.json").read_text())
    lines = listed.stdout.splitlines()
    assert len(lines) == 6
    for story, (facts, headline) in zip(index["stories"], zip(lines[::2], lines[1::2])):
        assert facts.startswith(story["story_id"]) and story["date"][:10] in facts
        assert ", ".join(story["outlets"]) in facts
        assert " WIB" in facts  # the seeds' times are Jakarta's, and say so
        count = len(story["sources"])
        assert facts.endswith(f"({count} article{'s' if count != 1 else ''})")
        assert headline.strip() == " ".join(story["headline"].split())

    older = tmp_path / "older"  # an output folder of a Kabar without stories
    (older / "000_x-1234").mkdir(parents=True)
    (older / "000_x-1234" / "brief.json").write_text("{}")
    none = subprocess.run([KABAR, "stories", "--output", older], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert none.returncode == 0 and none.stdout == "" and "no stories yet" in none.stderr


def hostile_page(page: str, title: str, first_words: str) -> str:
    """A seed page whose headline line and first sentence carry markup."""
    lines = page.split("\n")
    headline = next(i for i, line in enumerate(lines) if len(line.split()) >= 6)
    lines[headline] = title
    return "\n".join(lines).replace("Kremlin pada Jumat", f"{first_words} Kremlin pada Jumat", 1)


def test_markup_in_an_article_stays_text_in_the_browser_and_odd_input_is_safe(
    prefect_api, trained_models, tmp_path, monkeypatch
):
    passed_through(monkeypatch)
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    payload = "<script>document.title='DIRTY'</script>" + (
        "<img src=x onerror=\"document.title='DIRTY'\">"
    )
    seed = (SEEDS / "000_111cb5bf34ac05bb.txt").read_text(encoding="utf-8")
    (inbox / "hostile.txt").write_text(hostile_page(seed, payload, payload), encoding="utf-8")
    # An undated article (its date line gone), and one whose translation fails. Undated, an
    # article is compared with the articles near the newest dated one (the hostile 000, of
    # September): 002 and 000 report two events of one topic (0.188 undated), while 003 or 001
    # would join 000 (0.32, 0.41), as same-topic seeds of one day do. The broken 003 is of
    # August, too far back to be compared.
    other = (SEEDS / "002_4663bce274982e1a.txt").read_text(encoding="utf-8")
    (inbox / "undated.txt").write_text(re.sub(r".*\d{4} \d{2}:\d{2} WIB.*\n", "", other))
    broken = (SEEDS / "003_25b7ea62e8400db3.txt").read_text(encoding="utf-8")
    (inbox / "broken.txt").write_text(broken)

    from kabar.flows import steps

    real = steps.translate_article

    def fails_on_media_indonesia(article, engine):
        if article["outlet"] == "Media Indonesia":
            raise RuntimeError("the translator broke on this article")
        return real(article, engine)

    monkeypatch.setattr(steps, "translate_article", fails_on_media_indonesia)
    report = run(inbox, out, trained_models["marian"])
    by_name = {Path(e["source_file"]).name: e for e in report["articles"]}
    assert by_name["broken.txt"]["steps"]["translate"].startswith("failed")
    assert by_name["undated.txt"]["brief"]["published"] is None
    hostile = by_name["hostile.txt"]["brief"]
    assert "<script>" in hostile["headline"] + hostile["summary"]

    index = json.loads((out / "stories.json").read_text())
    # The failed article's story has no brief to show: it is left out (the digest names it).
    assert {s["sources"][0]["article_id"][:6] for s in index["stories"]} == {"hostil", "undate"}
    assert "the translator broke on this article" in (out / "digest.md").read_text()
    undated = next(s for s in index["stories"] if s["sources"][0]["article_id"][:6] == "undate")
    assert undated["date"] is None and undated["updated"] is None
    assert not feedparser.parse((out / "feed.xml").read_text()).bozo

    dom, page = browse(out / "index.html", tmp_path)
    assert "<title>Kabar — Indonesian news in English</title>" in dom  # nothing renamed it
    assert "script" not in page.tags and "img" not in page.tags
    text = "".join(page.text)
    assert "<script>document.title='DIRTY'</script>" in text  # shown, as text
    assert_links_resolve(out / "index.html", page)
    digest = (out / "digest.md").read_text()
    assert "\\<script\\>" in digest and "<script>" not in digest


def test_fetched_articles_link_their_originals_and_stay_on_the_page_in_later_runs(
    prefect_api, trained_models, tmp_path, monkeypatch
):
    monkeypatch.setenv("KABAR_HOST_DELAY", "0")
    out = tmp_path / "out"

    def fetch(outlet, **options):
        return briefing(inbox="", feeds=[outlet.feed], output=str(out),
                        translator=str(trained_models["marian"]), summariser="lead",
                        **options)  # fmt: skip

    with Site() as site:
        outlet = Outlet(site)
        first = outlet.add("satu", seed=1, minutes_ago=30)
        fetch(outlet, base_url="https://kabar.example.org/news/")
        outlet.add("dua", seed=2, minutes_ago=5)
        second = fetch(outlet, base_url="https://kabar.example.org/news/")
    assert len(second["articles"]) == 1  # only the new page is this run's
    index = json.loads((out / "stories.json").read_text())
    sources = [s for story in index["stories"] for s in story["sources"]]
    assert len(sources) == 2  # the first run's article is still on the page
    assert site.url(first.path) in {link for s in sources for link in s["links"]}

    _, page = browse(out / "index.html", tmp_path)
    assert {site.url(first.path)} <= set(page.links)
    assert_links_resolve(out / "index.html", page)
    feed = feedparser.parse((out / "feed.xml").read_text())
    assert not feed.bozo
    assert feed.feed.id == "tag:localhost,2026:kabar/stories"
    for entry in feed.entries:
        assert entry.link.startswith("https://kabar.example.org/news/index.html#story-")
        hrefs = re.findall(r'href="([^"]+)"', entry.content[0].value)
        assert hrefs and all(h.startswith(("https://kabar.example.org/news/", site.url("/")))
                             for h in hrefs)  # fmt: skip


def test_a_store_of_another_grouping_version_is_set_aside_and_the_archive_regrouped(tmp_path):
    """An upgrade changes the stored features: the run regroups every earlier article of the
    output folder with its own, instead of losing the stories."""
    import sqlite3

    from kabar.flows.stories import group_step
    from kabar.tasks.clean import clean_text

    output, store = tmp_path / "out", tmp_path / "cache" / "stories.sqlite"
    articles = {}
    for path in sorted(SEEDS.glob("*.txt")):
        article = clean_text(path.read_text(encoding="utf-8")).to_dict()
        articles[path.name[:3]] = article
        if path.name[:3] != "004":  # earlier runs' articles: on disk only
            (output / path.name[:3]).mkdir(parents=True)
            (output / path.name[:3] / "article.json").write_text(json.dumps(article))
    group_step([], str(store), str(output))  # a store of this version...
    with sqlite3.connect(store) as db:  # ...made stale, as an older Kabar would have left it
        db.execute("UPDATE meta SET value = 'old' WHERE key = 'features_version'")
    new = articles["004"]
    fields = {k: new.get(k) for k in ("title", "body", "published", "outlet")}
    stories = group_step([{"article_id": "004", **fields}], str(store), str(output))
    assert sorted(sorted(s["article_ids"]) for s in stories) == [
        ["000"],
        ["001", "003"],
        ["002", "004"],
    ]
    assert list(store.parent.glob("stories.sqlite.stale-*"))
