"""Runs that fetch the news themselves: feeds and pages served by invented outlets on loopback.

Every server here is a real HTTP server on 127.0.0.1 (scripts/sites.py); nothing else is
contacted. The articles are in the trained test models' domain, so they translate quickly.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from outlets import Outlet, item
from sites import Site

from kabar.flows.briefing import briefing
from kabar.tasks.seen import SeenStore
from kabar.tasks.sources import canonical_url

KABAR = Path(sys.executable).parent / "kabar"


@pytest.fixture(autouse=True)
def quick_client(monkeypatch):
    """The polite client's waits, shortened for loopback servers."""
    monkeypatch.setenv("KABAR_HOST_DELAY", "0")
    monkeypatch.setenv("KABAR_RESPONSE_SECONDS", "3")


def run(tmp_path, trained_models, **options):
    options.setdefault("summariser", "lead")
    options.setdefault("inbox", "")
    return briefing(
        output=str(tmp_path / "out"),
        translator=str(trained_models["marian"]),
        **options,
    )


def page_requests(site: Site) -> list[str]:
    return [urlsplit(r.path).path for r in site.requests if r.path.startswith("/berita/")]


def by_link(report) -> dict[str, dict]:
    return {urlsplit(e["url"]).path: e for e in report["articles"]}


def test_first_run_briefs_each_item_then_304_then_only_the_new_page(
    prefect_api, trained_models, tmp_path
):
    with Site() as site:
        outlet = Outlet(site)
        stories = [outlet.add(f"kabar-{i}", seed=i, minutes_ago=10 + i) for i in range(3)]

        # An inbox beside the feed: both are briefed in one run.
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        local = outlet.stories[0]
        (inbox / "lokal.txt").write_text(
            f"{local.title} Lagi\n\nKompas.com - 23/11/2026, 10:00 WIB\nPenulis: Tim\n\n"
            f"JAKARTA, KOMPAS.com - {local.paragraphs[1]}\n"
        )
        first = run(tmp_path, trained_models, feeds=[outlet.feed], inbox=str(inbox))
        assert first["sources"][0]["state"] == "ok"
        [from_inbox] = [e for e in first["articles"] if not e.get("url")]
        assert from_inbox["brief"] and from_inbox["source_file"].endswith("lokal.txt")
        first["articles"].remove(from_inbox)
        assert sorted(page_requests(site)) == sorted(s.path for s in stories)
        articles = by_link(first)
        out = tmp_path / "out"
        digest = (out / "digest.md").read_text()
        for story in stories:
            entry = articles[story.path]
            assert entry["steps"] == dict.fromkeys(
                ("fetch", "clean", "translate", "summarise"), "done"
            )
            link = site.url(story.path)  # tracking parameters stripped
            brief = json.loads((out / entry["article_id"] / "brief.json").read_text())
            assert brief["links"] == [link] and brief["url"] == link
            assert brief["title_id"] == story.title  # the feed item's own title
            assert brief["published"][:16] == story.published.isoformat()[:16]
            assert brief["outlet"] == "Warta Uji"
            assert f"<{link}>" in (out / entry["article_id"] / "brief.md").read_text()
            assert f"<{link}>" in digest
            assert entry["article_id"].startswith(f"127.0.0.1-{site.port}-kabar-")

        site.requests.clear()
        second = run(tmp_path, trained_models, feeds=[outlet.feed])
        feed_asks = [r for r in site.requests if r.path == "/rss.xml"]
        assert [r.headers.get("if-none-match") for r in feed_asks] == ['"v3"']
        assert second["sources"][0]["state"] == "not modified"
        assert page_requests(site) == [] and second["articles"] == []
        assert digest == (out / "digest.md").read_text()  # nothing new: the digest stays

        # A deleted output folder is rebuilt from the stored pages, with no request.
        shutil.rmtree(out)
        rebuilt = run(tmp_path, trained_models, feeds=[outlet.feed])
        assert page_requests(site) == []
        assert sorted(e["url"] for e in rebuilt["articles"]) == sorted(
            site.url(s.path) for s in stories
        )
        assert all(e["brief"] for e in rebuilt["articles"])
        brief_md = out / rebuilt["articles"][0]["article_id"] / "brief.md"
        assert brief_md.stat().st_mode & 0o777 == 0o644  # readable by a web server's user

        site.requests.clear()
        new = outlet.add("kabar-baru", seed=99, minutes_ago=1)
        third = run(tmp_path, trained_models, feeds=[outlet.feed])
        assert page_requests(site) == [new.path]
        assert [e["steps"]["summarise"] for e in third["articles"]] == ["done"]


def test_hostile_pages_each_get_their_state_and_the_good_ones_are_briefed(
    prefect_api, trained_models, tmp_path, monkeypatch
):
    monkeypatch.setenv("KABAR_MAX_BYTES", "200000")
    with Site.many(3) as (site, refusing, broken):
        outlet = Outlet(site)
        good = [outlet.add(f"baik-{i}", seed=10 + i) for i in range(2)]
        site.robots("User-agent: *\nDisallow: /rahasia/\n")
        copy = site.url("/salinan/sama-persis")
        site.route("/salinan/sama-persis", body=outlet.page(good[0]))  # the same text again
        routes = {
            "/rahasia/dokumen": dict(body="<html><p>rahasia</p></html>"),
            "/hilang": dict(status=404, body="tidak ada"),
            "/dihapus": dict(status=410, body="dihapus"),
            "/rusak": dict(status=500, body="galat"),
            "/tantangan": dict(body="<html><head><title>Just a moment...</title></head>"
                                    "<body>Checking your browser</body></html>"),
            "/laporan.pdf": dict(body=b"%PDF-1.7 ...", content_type="application/pdf"),
            "/raksasa": dict(body="<html><body>" + "<p>kata kata</p>" * 30_000 + "</body></html>"),
            "/lambat": dict(body="<html><body>" + "<p>pelan</p>" * 200, trickle=0.2),
            "/kosong": dict(body="<html><head><title>Beranda</title></head><body></body></html>"),
        }  # fmt: skip
        for path, answer in routes.items():
            site.route(path, **answer)
        site.redirect("/putar-a", "/putar-b")
        site.redirect("/putar-b", "/putar-a")
        slow_once = outlet.add("antre", seed=30)  # 429 with Retry-After first, then the page
        site.route(slow_once.path, status=429, headers={"Retry-After": "1"}, times=1)
        extra = (
            "".join(item(site.url(path), f"Berita {path}") for path in [*routes, "/putar-a"])
            + item(copy, "Salinan")
            + item("", "Tanpa tautan")
        )
        outlet.publish_feed(extra)
        # An outlet that refuses every request, and feeds that are not feeds.
        for i in range(6):
            refusing.route(f"/berita/tolak-{i}", status=403, body="Forbidden")
        refusing.route(
            "/rss.xml",
            body='<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            + "".join(item(refusing.url(f"/berita/tolak-{i}"), f"T {i}") for i in range(6))
            + "</channel></rss>",
            content_type="application/rss+xml",
        )
        broken.route("/rusak.xml", body="<?xml version='1.0'?><rss><channel><item><title>x",
                      content_type="application/rss+xml")  # fmt: skip
        broken.route("/halaman.xml", body="<html><head><title>Beranda</title></head></html>")

        feeds = [outlet.feed, refusing.url("/rss.xml"), broken.url("/rusak.xml"),
                 broken.url("/halaman.xml"), broken.url("/tidak-ada.xml")]  # fmt: skip
        report = run(tmp_path, trained_models, feeds=feeds)

    sources = {s["url"]: s for s in report["sources"]}
    assert sources[outlet.feed]["state"] == "ok"
    assert "1 item with no link" in sources[outlet.feed]["message"]
    assert sources[broken.url("/rusak.xml")]["state"] == "failed"
    assert "malformed XML" in sources[broken.url("/rusak.xml")]["message"]
    assert "an HTML page, not a feed" in sources[broken.url("/halaman.xml")]["message"]
    assert "404" in sources[broken.url("/tidak-ada.xml")]["message"]

    entries = {e["url"]: e for e in report["articles"]}

    def fetch_state(path: str, on: Site = site) -> str:
        return entries[on.url(path)]["steps"]["fetch"]

    for story in [good[1], slow_once]:  # briefed, the 429 waited out
        assert entries[site.url(story.path)]["brief"], entries[site.url(story.path)]["steps"]
    waits = [t for r, t in zip(site.requests, site.times) if slow_once.path in r.path]
    assert len(waits) == 2 and waits[1] - waits[0] >= 0.9  # Retry-After: 1 was waited out
    assert fetch_state("/rahasia/dokumen") == "skipped: robots.txt disallows /rahasia/dokumen"
    assert "/rahasia/dokumen" not in [urlsplit(r.path).path for r in site.requests]
    assert "404" in fetch_state("/hilang") and "410" in fetch_state("/dihapus")
    assert "500" in fetch_state("/rusak")
    assert "challenge" in fetch_state("/tantangan")
    assert "not HTML or XML (application/pdf)" in fetch_state("/laporan.pdf")
    assert "5,000,000" not in fetch_state("/raksasa") and "200,000" in fetch_state("/raksasa")
    assert "took over" in fetch_state("/lambat")
    assert "redirect loop" in fetch_state("/putar-a")
    assert entries[site.url("/kosong")]["steps"]["fetch"].startswith("failed: no article text")
    # The same text at two addresses: briefed once (the one fetched first), with both links.
    pair = [entries[copy], entries[site.url(good[0].path)]]
    [original] = [e for e in pair if e["brief"]]
    [duplicate] = [e for e in pair if not e["brief"]]
    assert duplicate["steps"]["clean"] == f"skipped: same text as {original['article_id']}"
    brief = json.loads((tmp_path / "out" / original["article_id"] / "brief.json").read_text())
    assert brief["links"] == [original["url"], duplicate["url"]]

    # The refusing host: given up after three refusals, the other links not even asked for.
    refused = [e for url, e in entries.items() if url.startswith(refusing.url("/"))]
    assert len(refused) == 6 and all(e["steps"]["fetch"].startswith("failed") for e in refused)
    asked = [r.path for r in refusing.requests if r.path.startswith("/berita/")]
    assert 3 <= len(asked) <= 4  # two at a time: a fourth may be on its way at the third 403
    assert sum("gave up on host" in e["steps"]["fetch"] for e in refused) == 6 - len(asked)

    # What may pass later is tried again next run; what cannot is not.
    store = SeenStore(tmp_path / ".kabar-cache")
    states = {p.link: p.state for p in store.unfinished()}
    assert site.url("/rusak") in states and site.url("/hilang") not in states


def test_a_big_feed_gives_only_the_newest_within_since_and_the_limit(
    prefect_api, trained_models, tmp_path
):
    sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "sites"))
    from make_feed import rss_feed

    with Site() as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nurl = "{site.url("/besar.xml")}"\nname = "Besar"\n'
            'since = "1h"\nmax_per_run = 3\n'
        )
        from datetime import UTC, datetime

        site.route("/besar.xml", body=rss_feed(5_000, site.url("").rstrip("/"),
                   newest=datetime.now(UTC)), content_type="application/rss+xml")  # fmt: skip
        report = run(tmp_path, trained_models, sources=str(sources))
        asked = [r.path for r in site.requests if r.path.startswith("/berita/")]
        site.requests.clear()
        # The next run takes the next three: links taken before do not use up its share.
        run(tmp_path, trained_models, sources=str(sources))
        asked_next = [r.path for r in site.requests if r.path.startswith("/berita/")]
    assert report["sources"][0]["message"].startswith("5000 items listed, 3 new taken")

    def paths(*numbered):
        return sorted(f"/berita/{i}/kabar-{place}" for i, place in numbered)

    assert sorted(asked) == paths((0, "demak"), (1, "sanggau"), (2, "bulukumba"))
    assert sorted(asked_next) == paths((3, "kendal"), (4, "sintang"), (5, "makassar"))


def test_a_sources_file_s_name_is_the_outlet_when_the_page_names_none(
    prefect_api, trained_models, tmp_path
):
    with Site.many(2) as (named_site, plain_site):
        named, plain = Outlet(named_site, name=""), Outlet(plain_site, name="")
        named.add("satu", seed=3)
        plain.add("dua", seed=4)
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nurl = "{named.feed}"\nname = "Suara Desa"\n'
            f'[[source]]\nurl = "{plain.feed}"\n'
        )
        report = run(tmp_path, trained_models, sources=str(sources))
    outlets = {
        urlsplit(e["url"]).path: json.loads(
            (tmp_path / "out" / e["article_id"] / "brief.json").read_text()
        )["outlet"]
        for e in report["articles"]
    }
    # no name given: the feed's host and port, as before
    assert outlets == {"/berita/satu": "Suara Desa", "/berita/dua": f"127.0.0.1:{plain_site.port}"}


def test_prefect_sees_poll_then_fetch_then_the_article_steps(prefect_api, trained_models, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with Site() as site:
        outlet = Outlet(site)
        outlet.add("satu", seed=1)
        state = run(tmp_path, trained_models, feeds=[outlet.feed], return_state=True)
    [entry] = state.result()["articles"]
    article_id = entry["article_id"]
    runs_of = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 30
        awaited = {f"summarise · {article_id}", "group · stories"}
        while not awaited <= {r.name for r in client.read_task_runs(flow_run_filter=runs_of)}:
            assert time.monotonic() < deadline, "task runs did not reach the server"
            time.sleep(0.5)
        runs = client.read_task_runs(flow_run_filter=runs_of)
    by_name = {r.name: r for r in runs}
    chain = [f"poll · {site.host}", f"fetch · {article_id}", f"clean · {article_id}",
             f"translate · {article_id}", f"summarise · {article_id}"]  # fmt: skip
    assert set(chain) <= set(by_name)  # and the stories' runs (group · stories, story · …)
    for upstream, step in zip(chain, chain[1:]):
        linked = {r.id for inputs in by_name[step].task_inputs.values() for r in inputs}
        assert linked == {by_name[upstream].id}, step


def kabar(*args, api_url: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    """`kabar` in a subprocess, its output in a file (a pipe could fill and block)."""
    log = cwd / f"kabar-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        [str(KABAR), *map(str, args)],
        env={**os.environ, "PREFECT_API_URL": api_url, "KABAR_HOST_DELAY": "0", **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=cwd,
    )
    process.log = log
    return process


@pytest.mark.slow
def test_sigkill_while_fetching_then_a_rerun_briefs_every_article_once(
    prefect_api, trained_models, tmp_path
):
    with Site() as site:
        outlet = Outlet(site)
        stories = [outlet.add(f"lambat-{i}", seed=40 + i) for i in range(6)]
        for story in stories:  # each page takes a second: the kill lands mid-fetching
            site.route(story.path, body=outlet.page(story), delay=1.0)
        args = ["run", "--feed", outlet.feed, "--output", tmp_path / "out",
                "--translator", trained_models["marian"], "--summariser", "lead"]  # fmt: skip
        first = kabar(*args, api_url=prefect_api, cwd=tmp_path)
        deadline = time.monotonic() + 90
        while len(page_requests(site)) < 3:
            assert first.poll() is None, first.log.read_text()[-3000:]
            assert time.monotonic() < deadline, first.log.read_text()[-3000:]
            time.sleep(0.1)
        time.sleep(1.2)  # some fetches recorded, some in flight
        first.send_signal(signal.SIGKILL)
        first.wait()
        store = SeenStore(tmp_path / ".kabar-cache")
        recorded = {p.link for p in store.unfinished() if p.state == "fetched"}
        site.requests.clear()

        rerun = kabar(*args, api_url=prefect_api, cwd=tmp_path)
        assert rerun.wait(timeout=120) == 0, rerun.log.read_text()[-3000:]
    again = {site.url(path) for path in page_requests(site)}
    assert not again & recorded  # a page recorded as fetched is never fetched again
    briefs = list((tmp_path / "out").glob("*/brief.json"))
    assert sorted(json.loads(b.read_text())["url"] for b in briefs) == sorted(
        site.url(s.path) for s in stories
    )


@pytest.mark.slow
def test_two_runs_at_once_never_fetch_or_brief_an_article_twice(
    prefect_api, trained_models, tmp_path
):
    with Site() as site:
        outlet = Outlet(site)
        stories = [outlet.add(f"ganda-{i}", seed=60 + i) for i in range(6)]
        for story in stories:
            site.route(story.path, body=outlet.page(story), delay=0.3)
        args = ["run", "--feed", outlet.feed, "--output", tmp_path / "out",
                "--translator", trained_models["marian"], "--summariser", "lead"]  # fmt: skip
        runs = [kabar(*args, api_url=prefect_api, cwd=tmp_path) for _ in range(2)]
        for process in runs:
            assert process.wait(timeout=120) == 0, process.log.read_text()[-3000:]
    assert Counter(page_requests(site)) == Counter({s.path: 1 for s in stories})
    briefed = Counter(
        line.split()[0]
        for process in runs
        for line in process.log.read_text().splitlines()
        if line.startswith("127.0.0.1-") and "summarise done" in line
    )
    assert len(briefed) == 6 and set(briefed.values()) == {1}


def test_sources_check_reports_without_briefing_or_recording(tmp_path):
    def check(feed: str, *options) -> subprocess.CompletedProcess:
        return subprocess.run(
            [KABAR, "sources", "check", "--feed", feed, *options],
            capture_output=True, text=True, cwd=tmp_path, timeout=60,
            env={**os.environ, "KABAR_HOST_DELAY": "0"},
        )  # fmt: skip

    with Site() as site:
        outlet = Outlet(site)
        site.robots("User-agent: *\nDisallow: /berita/\n")
        outlet.add("cek", seed=5)
        result = check(outlet.feed)
        assert not list(tmp_path.rglob("seen.sqlite")) and not (tmp_path / "outputs").exists()
        # Runs elsewhere took one article and left one queued: a check of their output folder
        # counts what the next run would take, by the run's own rule.
        store = SeenStore(tmp_path / "runs" / ".kabar-cache")
        done, left = (canonical_url(site.url(f"/berita/{slug}")) for slug in ("cek", "cek-tiga"))
        for link in (done, left):
            store.queue(link, link, outlet.feed, link.rsplit("/", 1)[1], {})
        store.finish(done, "briefed")
        outlet.add("cek-lagi", seed=6)
        outlet.add("cek-tiga", seed=7)
        again = check(outlet.feed, "--output", tmp_path / "runs" / "out")
    assert result.returncode == 0, result.stderr
    assert "1 listed, 1 a run would take\n" in result.stdout
    assert "its newest article: disallowed" in result.stdout
    assert page_requests(site) == []
    assert again.returncode == 0, again.stderr
    assert str(tmp_path / "runs" / ".kabar-cache" / "seen.sqlite") in again.stdout
    assert (
        "3 listed, 2 a run would take (1 left by earlier runs, 1 taken by earlier runs)"
        in again.stdout
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[[source]]\nurl = "ftp://x.test/feed"\n', "http"),
        ('[[source]]\nurl = "http://x.test/feed"\nsince = "dua hari"\n', "since"),
        ("[[source]\n", "sources.toml"),
    ],
)
def test_a_wrong_sources_file_is_a_usage_error_before_anything_starts(tmp_path, text, said):
    (tmp_path / "sources.toml").write_text(text)
    result = subprocess.run(
        [KABAR, "run", "--sources", tmp_path / "sources.toml"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "outputs").exists()


@pytest.mark.slow
def test_a_served_deployment_fetches_then_briefs(prefect_api, trained_models, tmp_path):
    """`kabar serve --sources`: the deployment stores the sources file as a parameter, and
    its runs (a scheduled run uses exactly the stored parameters) fetch, then brief."""
    from loopback import stop
    from prefect import get_client
    from prefect.deployments import run_deployment

    with Site() as site:
        outlet = Outlet(site)
        stories = [outlet.add(f"jadwal-{i}", seed=80 + i) for i in range(2)]
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[source]]\nurl = "{outlet.feed}"\nname = "Warta Uji"\n')
        served = kabar(
            "serve", "--name", "sumber", "--interval", "3600", "--sources", sources.name,
            "--output", tmp_path / "out", "--translator", trained_models["marian"],
            "--summariser", "lead",
            api_url=prefect_api, cwd=tmp_path, env={"PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        )  # fmt: skip
        try:
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        deployment = client.read_deployment_by_name("kabar/sumber")
                        break
                    except Exception:
                        assert served.poll() is None, served.log.read_text()[-3000:]
                        assert time.monotonic() < deadline, served.log.read_text()[-3000:]
                        time.sleep(0.5)
            assert deployment.parameters["sources"] == str(sources.resolve())
            assert deployment.parameters["inbox"] == ""  # sources only: no inbox
            assert deployment.schedules
            run = run_deployment("kabar/sumber", timeout=120)
            assert run.state.is_completed(), served.log.read_text()[-3000:]
        finally:
            stop(served)
    briefs = [json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/brief.json")]
    assert sorted(b["url"] for b in briefs) == sorted(site.url(s.path) for s in stories)
    assert sorted(page_requests(site)) == sorted(s.path for s in stories)


def test_a_failed_source_makes_the_run_exit_1_and_says_why(prefect_api, trained_models, tmp_path):
    with Site() as site:
        site.route("/hilang", status=404, body="tidak ada")
        result = subprocess.run(
            [KABAR, "run", "--feed", site.url("/tidak-ada.xml"), "--url", site.url("/hilang"),
             "--output", tmp_path / "out",
             "--translator", trained_models["marian"], "--summariser", "lead"],
            capture_output=True, text=True, cwd=tmp_path, timeout=120,
            env={**os.environ, "PREFECT_API_URL": prefect_api, "KABAR_HOST_DELAY": "0",
                 "KABAR_CONTACT": ""},
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "failed — HTTP 404 Not Found" in result.stdout
    # The page that is gone: one line says so, with no empty traceback after it.
    said = result.stdout + result.stderr
    assert said.count("Finished in state Failed('HTTP 404") == 1, said
    assert "NoneType: None" not in said and "Task run failed with state" not in said
    assert "set KABAR_CONTACT" in said  # none was given
