"""The polite client against real stand-in outlets on 127.0.0.1 (scripts/sites.py).

Names such as metadata.test resolve only through the injected resolver: nothing here looks up
a real name or contacts anything but loopback.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
from sites import Site

from kabar.tasks import web
from kabar.tasks.web import (
    ClientSettings,
    FetchError,
    PoliteClient,
    address_problem,
    looks_like_challenge,
    retry_after_seconds,
    user_agent,
)

FAST = ClientSettings(
    contact="desk@example.org",
    per_host_delay=0.0,
    connect_timeout=2.0,
    read_timeout=2.0,
    response_seconds=5.0,
    retry_backoff=0.01,
)
PAGE = "<html><head><title>Banjir di Jakarta</title></head><body><p>Berita.</p></body></html>"


class Waits(list):
    """An injected sleep that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Resolver:
    """An injected resolver for made-up names; records what it was asked."""

    def __init__(self, names: dict[str, list[str]]):
        self.names = names
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.names[host]


@pytest.fixture
def site():
    with Site() as outlet:
        yield outlet


def client(settings: ClientSettings = FAST, **kwargs) -> PoliteClient:
    return PoliteClient(settings, **kwargs)


def fetch(site: Site, path: str, settings: ClientSettings = FAST, **kwargs) -> web.Response:
    with client(settings) as polite:
        return polite.get(site.url(path), allow_private=True, **kwargs)


def failure(call, *args, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- who we are, and robots.txt ---


def test_user_agent_names_kabar_and_contact(site):
    site.route("/a", PAGE)
    response = fetch(site, "/a")
    assert response.status == 200 and response.body == PAGE.encode()
    assert response.content_type == "text/html" and response.charset == "utf-8"
    agents = {request.headers["user-agent"] for request in site.requests}
    assert agents == {"Kabar/0.1 (+https://github.com/kabar-news/kabar; contact: desk@example.org)"}
    assert user_agent() == "Kabar/0.1 (+https://github.com/kabar-news/kabar)"


def test_robots_disallowed_path_is_never_requested(site):
    site.robots("User-agent: *\nAllow: /\n\nUser-agent: Kabar\nDisallow: /private/\n")
    site.route("/private/x", PAGE)
    site.route("/open", PAGE)
    with client() as polite:
        error = failure(polite.get, site.url("/private/x?id=1"), allow_private=True)
        assert error.reason == "robots.txt disallows /private/x?id=1"
        assert not polite.robots_allows(site.url("/private/y"), allow_private=True)
        assert polite.robots_allows(site.url("/open"), allow_private=True)
        assert polite.get(site.url("/open"), allow_private=True).status == 200
    assert site.paths() == ["/robots.txt", "/open"]  # robots.txt once, the private page never


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (401, False), (403, False), (500, True)]
)
def test_robots_txt_status_decides(site, status, allowed):
    site.route("/robots.txt", "no", status=status, content_type="text/plain")
    site.route("/a", PAGE)
    with client(replace(FAST, retries=0)) as polite:
        assert polite.robots_allows(site.url("/a"), allow_private=True) is allowed
        assert bool(polite.notes) is (status == 500)  # unreadable rules: allowed, but noted


def test_unreadable_robots_txt_is_asked_for_again_later(site, monkeypatch):
    monkeypatch.setattr(web, "ROBOTS_RETRY_SECONDS", 0.0)  # "later" is now
    site.route("/robots.txt", "down", status=500, content_type="text/plain", times=1)
    site.robots("User-agent: *\nDisallow: /x\n")
    site.route("/x", PAGE)
    with client(replace(FAST, retries=0)) as polite:
        assert polite.get(site.url("/x"), allow_private=True).status == 200  # allowed, noted
        assert failure(polite.get, site.url("/x"), allow_private=True).reason == (
            "robots.txt disallows /x"
        )
    assert site.paths() == ["/robots.txt", "/x", "/robots.txt"]


# --- politeness: concurrency, spacing, Retry-After, strikes ---


def test_at_most_two_requests_in_flight_per_host(site):
    site.route("/slow", PAGE, delay=0.3)
    with client() as polite:
        threads = [
            threading.Thread(
                target=polite.get, args=(site.url("/slow"),), kwargs={"allow_private": True}
            )
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert site.paths().count("/slow") == 6
    assert site.paths().count("/robots.txt") == 1  # the threads waited for one fetch of it
    assert site.max_in_flight == 2


def test_requests_to_a_host_start_delay_apart_and_hosts_are_separate():
    with Site.many(2) as (one, two), client(replace(FAST, per_host_delay=0.2)) as polite:
        for outlet in (one, two):
            outlet.route("/a", PAGE)
        threads = [
            threading.Thread(target=polite.get, args=(o.url("/a"),), kwargs={"allow_private": True})
            for o in (one, two, one, two)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for outlet in (one, two):
        assert outlet.paths() == ["/robots.txt", "/a", "/a"]
        gaps = [b - a for a, b in zip(outlet.times, outlet.times[1:])]
        assert min(gaps) >= 0.18, gaps
    assert abs(one.times[0] - two.times[0]) < 0.15  # one host's spacing does not hold another


def test_robots_crawl_delay_is_honoured(site):
    site.robots("User-agent: *\nCrawl-delay: 0.3\n")
    site.route("/a", PAGE)
    with client() as polite:
        for _ in range(2):
            polite.get(site.url("/a"), allow_private=True)
    assert site.times[2] - site.times[1] >= 0.28


def test_retry_after_on_429_is_waited_then_succeeds(site):
    site.route("/a", "slow down", status=429, headers={"Retry-After": "3"}, times=1)
    site.route("/a", PAGE)
    waits = Waits()
    with client(sleep=waits) as polite:
        assert polite.get(site.url("/a"), allow_private=True).status == 200
    assert site.paths() == ["/robots.txt", "/a", "/a"]
    assert max(waits) == pytest.approx(3.0, abs=0.1)


def test_too_long_retry_after_gives_the_host_up(site):
    site.route("/a", "busy", status=503, headers={"Retry-After": "3600"})
    site.route("/b", PAGE)
    waits = Waits()
    with client(sleep=waits) as polite:
        error = failure(polite.get, site.url("/a"), allow_private=True)
        assert error.reason == (
            f"gave up on host {site.host}: it asked for a 3,600 s pause (Retry-After), "
            "over the 120 s limit"
        )
        again = failure(polite.get, site.url("/b"), allow_private=True)
    assert again.reason == error.reason
    assert site.paths() == ["/robots.txt", "/a"]  # /b was never asked for
    assert not waits  # nothing was waited out


def test_retry_after_as_an_http_date():
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later) == pytest.approx(90, abs=2)
    assert retry_after_seconds("45") == 45.0
    assert retry_after_seconds("soon") is None


def test_503_is_retried_with_backoff_then_succeeds(site):
    site.route("/a", "down", status=503, times=2)
    site.route("/a", PAGE)
    waits = Waits()
    with client(replace(FAST, retry_backoff=0.5), sleep=waits) as polite:
        assert polite.get(site.url("/a"), allow_private=True).body == PAGE.encode()
    assert site.paths() == ["/robots.txt", "/a", "/a", "/a"]
    assert waits == [pytest.approx(0.5, abs=0.05), pytest.approx(1.0, abs=0.05)]


def test_5xx_gives_a_transient_error_once_retries_are_spent(site):
    site.route("/a", "oops", status=500)
    site.route("/n", "no", status=501)
    with client() as polite:
        error = failure(polite.get, site.url("/a"), allow_private=True)
        assert (error.reason, error.status, error.transient) == (
            "HTTP 500 Internal Server Error",
            500,
            True,
        )
        assert not failure(polite.get, site.url("/n"), allow_private=True).transient
    assert site.paths() == ["/robots.txt", "/a", "/a", "/a", "/n"]  # 2 retries; 501 none


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone")]
)
def test_gone_pages_say_so_and_are_not_retried(site, status, reason):
    site.route("/a", "gone", status=status)
    with client() as polite:
        error = failure(polite.get, site.url("/a"), allow_private=True)
    assert (error.reason, error.status, error.transient) == (reason, status, False)
    assert site.paths() == ["/robots.txt", "/a"]


def test_429s_without_retry_after_count_as_refusals(site):
    site.route("/a", "slow down", status=429)
    with client(replace(FAST, retries=5)) as polite:
        error = failure(polite.get, site.url("/a"), allow_private=True)
    assert error.reason == f"gave up on host {site.host} after 3 refusals (403/429)"
    assert site.paths() == ["/robots.txt", "/a", "/a", "/a"]  # retried with backoff until then


def test_repeated_403_leaves_the_host_alone(site):
    site.route("/a", "no", status=403)
    with client() as polite:
        reasons = [failure(polite.get, site.url("/a"), allow_private=True).reason for _ in range(4)]
    assert reasons[:3] == ["HTTP 403 Forbidden"] * 3
    assert reasons[3] == f"gave up on host {site.host} after 3 refusals (403/429)"
    assert site.paths() == ["/robots.txt", "/a", "/a", "/a"]  # the fourth call sent nothing


def test_connection_refused_is_transient():
    with Site() as gone:
        url = gone.url("/a")
    with client(replace(FAST, retries=1)) as polite:
        error = failure(polite.get, url, allow_private=True)
    assert error.transient and error.reason.startswith("connection failed")
    assert polite.notes == [  # robots.txt could not be read either: allowed, and said so
        f"robots.txt of {urlsplit(url).netloc} unreadable ({error.reason}); allowing all"
    ]


# --- redirects ---


def test_redirects_are_followed_to_the_final_url(site):
    site.redirect("/old", "/mid", status=301)
    site.redirect("/mid", "new#top")
    site.route("/new", PAGE)
    response = fetch(site, "/old")
    assert response.url == site.url("/new") and response.body == PAGE.encode()


def test_redirect_loop(site):
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")
    assert failure(fetch, site, "/a").reason == "redirect loop"


def test_too_many_redirects(site):
    for hop in range(7):
        site.redirect(f"/{hop}", f"/{hop + 1}")
    site.route("/7", PAGE)
    assert failure(fetch, site, "/0").reason == "too many redirects (over 5)"
    assert site.paths() == ["/robots.txt"] + [f"/{hop}" for hop in range(6)]


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/file", "file:///etc/passwd", "data:,hi"])
def test_redirect_to_a_non_http_scheme_is_refused(site, target):
    site.redirect("/a", target)
    assert failure(fetch, site, "/a").reason == f"redirect to a non-http address ({target})"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "data:text/html,<p>"])
def test_only_http_and_https_are_fetched(url):
    with client() as polite:
        assert failure(polite.get, url, allow_private=True).reason.startswith("only http and https")


def test_robots_is_checked_on_every_hop(site):
    with Site() as other:
        other.robots("User-agent: *\nDisallow: /\n")
        other.route("/x", PAGE)
        site.redirect("/a", other.url("/x"))
        assert failure(fetch, site, "/a").reason == "robots.txt disallows /x"
        assert other.paths() == ["/robots.txt"]


# --- size, time and kind of answer ---


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_limit(site, chunked):
    site.route("/big", "x" * 5000, chunked=chunked)
    error = failure(fetch, site, "/big", replace(FAST, max_bytes=1000))
    assert error.reason == "body over 1,000 bytes"


def test_trickling_server_is_cut_off(site):
    site.route("/drip", "<p>" + "x" * 400 + "</p>", trickle=0.05)  # 101 pieces: 5 s in all
    start = time.monotonic()
    error = failure(fetch, site, "/drip", replace(FAST, response_seconds=1.0))
    assert error.reason == "response took over 1 s" and error.transient
    assert time.monotonic() - start < 2.0
    assert site.paths().count("/drip") == 1  # a trickler is not asked again at once


def test_slow_headers_are_cut_off_by_the_response_deadline(site):
    site.route("/late", PAGE, delay=3.0)  # silent for 3 s, well within the 5 s read timeout
    start = time.monotonic()
    error = failure(fetch, site, "/late", replace(FAST, response_seconds=1.0, read_timeout=5.0))
    assert error.reason == "response took over 1 s"
    assert time.monotonic() - start < 2.0


def test_content_type_must_be_markup_unless_any(site):
    site.route("/doc.pdf", b"%PDF-1.7", content_type="application/pdf")
    site.route("/feed", "<rss/>", content_type="application/rss+xml")
    assert failure(fetch, site, "/doc.pdf").reason == "not HTML or XML (application/pdf)"
    assert (
        failure(fetch, site, "/doc.pdf", accept="xml").reason == "not HTML or XML (application/pdf)"
    )
    assert fetch(site, "/doc.pdf", accept="any").content_type == "application/pdf"
    assert fetch(site, "/feed", accept="xml").content_type == "application/rss+xml"
    assert fetch(site, "/feed", accept="html").body == b"<rss/>"  # the caller tells them apart


def test_a_body_without_content_type_is_judged_by_its_start(site):
    site.route("/page", PAGE, content_type=None)
    site.route("/blob", b"%PDF-1.7", content_type=None)
    assert fetch(site, "/page").content_type == ""
    assert failure(fetch, site, "/blob").reason == "not HTML or XML (no content type)"


def test_challenge_page_is_refused_and_counted(site):
    site.route("/a", "<html><title>Just a moment...</title><div id='cf-challenge'></div></html>")
    site.route("/b", "<title>Attention Required! | Cloudflare</title>", status=403)
    article = "<html><title>Keamanan akun</title><p>" + "Isi berita. " * 3000
    site.route("/long", article + "Situs itu memakai captcha.</p></html>")
    with client(replace(FAST, host_strikes=2)) as polite:
        assert polite.get(site.url("/long"), allow_private=True).status == 200
        a = failure(polite.get, site.url("/a"), allow_private=True)
        b = failure(polite.get, site.url("/b"), allow_private=True)
        assert (a.reason, b.reason) == (
            "anti-bot challenge page (HTTP 200)",
            "anti-bot challenge page (HTTP 403)",
        )
        assert failure(polite.get, site.url("/long"), allow_private=True).reason.startswith(
            "gave up"
        )


def test_challenge_markers_need_a_title_or_a_small_page():
    assert looks_like_challenge(b"<title>Just a moment...</title>" + b" " * 100_000)
    assert looks_like_challenge(b"<div class='g-recaptcha'>Please solve the captcha</div>")
    assert not looks_like_challenge(b"<title>Berita</title><p>captcha</p>" + b"x" * 20_000)


def test_conditional_requests_return_304(site):
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    site.route("/e", PAGE, etag='"v2"')
    site.route("/m", PAGE, last_modified=stamp)
    with client() as polite:
        first = polite.get(site.url("/e"), allow_private=True)
        assert first.etag == '"v2"'
        same = polite.get(site.url("/e"), allow_private=True, etag='"v2"')
        assert (same.status, same.body) == (304, b"")
        assert polite.get(site.url("/e"), allow_private=True, etag='"v1"').status == 200
        dated = polite.get(site.url("/m"), allow_private=True, last_modified=stamp)
        assert (dated.status, dated.last_modified) == (304, stamp)
    sent = [r.headers for r in site.requests if r.path in ("/e", "/m")]
    assert [h.get("if-none-match") for h in sent] == [None, '"v2"', '"v1"', None]
    assert sent[3]["if-modified-since"] == stamp


# --- addresses ---


@pytest.mark.parametrize(
    ("name", "address", "kind"),
    [
        ("metadata.test", "169.254.169.254", "link-local"),
        ("router.test", "192.168.1.1", "private"),
        ("ten.test", "10.0.0.1", "private"),
        ("v6.test", "fe80::1", "link-local"),
        ("mapped.test", "::ffff:10.0.0.5", "private"),
        ("zero.test", "0.0.0.0", "unspecified"),
        ("group.test", "224.0.0.1", "multicast"),
        ("loop.test", "127.0.0.1", "loopback"),  # the site's own address: must not be reached
    ],
)
def test_private_addresses_are_refused_before_connecting(site, name, address, kind):
    site.route("/", PAGE)
    resolver = Resolver({name: [address]})
    with client(resolver=resolver) as polite:
        url = f"http://{name}:{site.port}/"
        error = failure(polite.get, url)
        assert error.reason == f"address {address} is {kind}"
        assert failure(polite.robots_allows, url).reason == error.reason
    assert resolver.asked == [name, name]
    assert site.requests == []


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Nothing public may be contacted here: let 127.0.0.1 pass for a public address."""
    real = web.address_problem
    monkeypatch.setattr(web, "address_problem", lambda a: None if a == "127.0.0.1" else real(a))


def test_public_addresses_pass_the_check():
    assert address_problem("93.184.216.34") is None  # only classified: never contacted
    assert address_problem("2606:2800:220:1::1") is None
    assert address_problem("100.64.0.1") == "address 100.64.0.1 is not public"  # carrier NAT


def test_one_private_address_among_public_ones_is_enough(site, loopback_is_public):
    site.route("/", PAGE)
    resolver = Resolver({"mixed.test": ["127.0.0.1", "10.1.2.3"]})
    with client(resolver=resolver) as polite:
        error = failure(polite.get, f"http://mixed.test:{site.port}/")
    assert error.reason == "address 10.1.2.3 is private"
    assert site.requests == []


def test_a_made_up_name_connects_to_the_checked_address(site):
    site.route("/a", PAGE)
    resolver = Resolver({"outlet.test": ["127.0.0.1"]})
    with client(resolver=resolver) as polite:
        response = polite.get(f"http://outlet.test:{site.port}/a", allow_private=True)
    assert response.url == f"http://outlet.test:{site.port}/a" and response.status == 200
    assert {r.headers["host"] for r in site.requests} == {f"outlet.test:{site.port}"}


def test_redirect_from_an_allowed_site_to_a_private_name_is_refused(site):
    resolver = Resolver({"router.test": ["192.168.1.1"]})
    site.redirect("/go", "http://router.test/admin")
    with Site() as sibling:  # another loopback port: the same, allowed, address
        sibling.route("/a", PAGE)
        site.redirect("/sib", sibling.url("/a"))
        with client(resolver=resolver) as polite:
            assert polite.get(site.url("/sib"), allow_private=True).url == sibling.url("/a")
            error = failure(polite.get, site.url("/go"), allow_private=True)
    assert error.reason == "address 192.168.1.1 is private"
    assert resolver.asked == ["router.test"]


def test_redirect_from_a_public_name_to_a_private_one_is_refused(site, loopback_is_public):
    resolver = Resolver({"news.test": ["127.0.0.1"], "metadata.test": ["169.254.169.254"]})
    site.redirect("/go", "http://metadata.test/latest/meta-data/")
    with client(resolver=resolver) as polite:
        error = failure(polite.get, f"http://news.test:{site.port}/go")
    assert error.reason == "address 169.254.169.254 is link-local"
    assert site.paths() == ["/robots.txt", "/go"]
