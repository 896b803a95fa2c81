import importlib.util
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kabar.tasks import feeds
from kabar.tasks.feeds import (
    FeedItem,
    Listing,
    NotAFeed,
    parse_feed_date,
    parse_listing,
    select_items,
)

SITES = Path(__file__).resolve().parents[1] / "data" / "sites"
BASE = "http://127.0.0.1:8123"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _load_make_feed():
    spec = importlib.util.spec_from_file_location("make_feed", SITES / "make_feed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_feed = _load_make_feed()


def body_of(name: str) -> bytes:
    """A fixture with its {base} and {host} placeholders filled in (see tests/data/sites/README)."""
    data = (SITES / name).read_bytes()
    return data.replace(b"{base}", BASE.encode()).replace(b"{host}", BASE.split("//")[1].encode())


def listing_of(name: str, url: str | None = None, **kwargs) -> Listing:
    return parse_listing(body_of(name), url or f"{BASE}/{name.split('/')[-1]}", NOW, **kwargs)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mon, 23 Nov 2026 14:05:00 +0700", utc(2026, 11, 23, 7, 5)),
        ("Mon, 23 Nov 2026 07:05:00 GMT", utc(2026, 11, 23, 7, 5)),
        ("Mon, 23 Nov 2026 02:05:00 EST", utc(2026, 11, 23, 7, 5)),
        ("2026-11-23T14:05:00+07:00", utc(2026, 11, 23, 7, 5)),
        ("2026-11-23T07:05:00Z", utc(2026, 11, 23, 7, 5)),
        ("2026-11-23T14:05:00.250+0700", utc(2026, 11, 23, 7, 5, 0, 250000)),
        ("2026-11-23", utc(2026, 11, 22, 17, 0)),  # a day: midnight WIB
        ("Senin, 23 November 2026 14:05 WIB", utc(2026, 11, 23, 7, 5)),
        ("23 Nov 2026 14:05 WITA", utc(2026, 11, 23, 6, 5)),
        ("23/11/2026 14:05", utc(2026, 11, 23, 7, 5)),  # no zone: WIB
        ("23-11-2026 14.05 WIT", utc(2026, 11, 23, 5, 5)),
        ("Jumat, 7 Agt 2026 pukul 09:30 WIB", utc(2026, 8, 7, 2, 30)),
        ("Jum'at, 07 Agu 2026 09:30 WIB", utc(2026, 8, 7, 2, 30)),
        ("Sabtu, 1 Mei 2026", utc(2026, 4, 30, 17, 0)),
        ("12 Okt 2026 10:00 WIB", utc(2026, 10, 12, 3, 0)),
        ("31 Des 2026 23:59:59 WIB", utc(2026, 12, 31, 16, 59, 59)),
        ("5 Januari 2027, 08:00 WIB", utc(2027, 1, 5, 1, 0)),
        ("Sel, 23 Des 2026 14:05:00 +0700", utc(2026, 12, 23, 7, 5)),
        ("kemarin sore", None),
        ("31 Februari 2026 10:00 WIB", None),
        ("23 Foo 2026", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_feed_date(text, expected):
    assert parse_feed_date(text) == expected


# --- the formats ------------------------------------------------------------------------


def test_rss2_relative_links_and_titles():
    listing = listing_of("wartanusantara/rss.xml")
    assert listing.kind == "feed" and listing.problems == []
    assert [i.url for i in listing.items] == [
        f"{BASE}/berita/2026/11/23/bantuan-banjir-demak?utm_source=rss&utm_medium=feed",
        f"{BASE}/ekonomi/2026/11/22/harga-cabai-rawit-semarang?utm_source=rss&utm_medium=feed",
        f"{BASE}/daerah/2026/11/21/jalur-pantura-kendal-diperbaiki?utm_source=rss&utm_medium=feed",
    ]
    # markup in a CDATA title is dropped, its words kept
    assert (
        listing.items[2].title
        == "Perbaikan Jalur Pantura Kendal Ditargetkan Rampung Sebelum Libur Natal"
    )
    assert listing.items[0].published == utc(2026, 11, 23, 7, 5)


def test_atom_xml_base_and_alternate_link():
    listing = listing_of("kabarkhatulistiwa/atom.xml", f"{BASE}/feeds/atom.xml")
    assert listing.kind == "feed" and listing.problems == []
    assert [(i.url, i.published) for i in listing.items] == [
        # the enclosure (an image) is passed over for the alternate link
        (f"{BASE}/read/2026/11/24/093000/debit-sungai-kapuas-sanggau", utc(2026, 11, 24, 2, 30)),
        # an entry's own xml:base, on top of the feed's
        (
            f"{BASE}/read/2026/11/23/151200/pelabuhan-dwikora-penumpang-akhir-tahun",
            utc(2026, 11, 23, 8, 12),
        ),
        # only <updated>: taken as the date
        (f"{BASE}/read/2026/11/22/081500/harga-tbs-sawit-sintang-turun", utc(2026, 11, 22, 1, 15)),
    ]
    assert listing.items[2].title.startswith("Petani Sawit di Sintang")


def test_rdf_link_or_about():
    listing = listing_of("suaratimur/rdf.xml")
    assert [(i.url, i.published) for i in listing.items] == [
        (f"{BASE}/pendidikan/beasiswa-pelajar-sulsel-dibuka.html", utc(2026, 11, 23, 8, 20)),
        (
            f"{BASE}/ekonomi/pinisi-bulukumba-dikirim-ke-prancis.html",
            utc(2026, 11, 22, 3, 5),
        ),  # rdf:about
    ]


def test_news_sitemap():
    listing = listing_of("kabarkhatulistiwa/sitemap-news.xml")
    assert listing.kind == "sitemap"
    assert [(i.title, i.published) for i in listing.items] == [
        ("Debit Sungai Kapuas Naik, Ratusan Rumah di Sanggau Terendam", utc(2026, 11, 24, 2, 30)),
        (
            "Pelabuhan Dwikora Siap Layani 12.000 Penumpang Jelang Akhir Tahun",
            utc(2026, 11, 23, 8, 12),
        ),
        ("", utc(2026, 11, 22, 1, 15)),  # no news:news: lastmod, no title
    ]
    assert listing.problems == ["1 entry with no link: skipped"]  # the blank <loc>


def test_sitemap_index_lists_child_sitemaps():
    listing = listing_of("kabarkhatulistiwa/sitemap-index.xml", f"{BASE}/maps/sitemap-index.xml")
    assert listing.kind == "sitemap-index"
    assert [i.url for i in listing.items] == [
        f"{BASE}/sitemap-news.xml",
        f"{BASE}/sitemap-2026-11.xml",
        f"{BASE}/maps/sitemap-tag.xml",
    ]
    assert listing.items[2].published is None


def test_sitemap_without_namespace():
    body = b"<urlset><url><loc>/a</loc><lastmod>2026-11-23T10:00:00+07:00</lastmod></url></urlset>"
    listing = parse_listing(body, f"{BASE}/sitemap.xml", NOW)
    assert listing.items == [FeedItem(f"{BASE}/a", "", utc(2026, 11, 23, 3, 0))]


def test_broken_sitemap_reads_what_it_can():
    body = body_of("kabarkhatulistiwa/sitemap-news.xml")
    body = body[: body.index(b"<url>", body.index(b"pelabuhan-dwikora"))]  # cut off mid-list
    listing = parse_listing(body, f"{BASE}/sitemap-news.xml", NOW)
    assert listing.kind == "sitemap" and len(listing.items) == 2
    assert listing.problems[0].startswith("malformed XML, read what could be read: ")


# --- hostile feeds ----------------------------------------------------------------------


def test_relative_protocol_less_and_missing_links():
    listing = listing_of("hostile/links.xml", f"{BASE}/feeds/links.xml")
    assert [(i.title, i.url) for i in listing.items] == [
        (
            "Jalan Desa di Wonosobo Longsor Tertimpa Tebing",
            f"{BASE}/feeds/berita/jalan-desa-wonosobo-longsor",
        ),
        (
            "Pasar Kliwon Kudus Direnovasi Mulai Januari",
            f"{BASE}/daerah/pasar-kliwon-kudus-direnovasi",
        ),
        ("Ribuan Penonton Padati Festival Lampion di Solo", f"{BASE}/daerah/festival-lampion-solo"),
        ("Sekolah di Batang Gelar Simulasi Gempa", f"{BASE}/daerah/simulasi-gempa-batang"),
        ("Bupati Blora Resmikan Embung Baru", f"{BASE}/daerah/embung-baru-blora"),  # permalink guid
    ]
    assert listing.problems == [
        "2 items with no link: skipped",  # none at all; a guid marked isPermaLink="false"
        "1 item with a link that is not an http(s) address: skipped",  # mailto:
    ]


def test_protocol_less_link_takes_the_feeds_scheme():
    body = b'<rss version="2.0"><channel><item><link>//cdn.warta.example/a</link></item></channel>'
    body += b"</rss>"
    (item,) = parse_listing(body, "https://warta.example/rss", NOW).items
    assert item.url == "https://cdn.warta.example/a"


@pytest.mark.parametrize(
    "title, published, note",
    [
        ("Tanggal dengan Nama Hari dan WIB", utc(2026, 11, 23, 7, 5), ""),
        ("Tanggal Singkat dengan WITA", utc(2026, 11, 23, 6, 5), ""),
        ("Tanggal Angka Tanpa Zona", utc(2026, 11, 23, 7, 5), ""),
        ("Tanggal Agustus Disingkat Agt dengan WIT", utc(2026, 8, 20, 0, 0), ""),
        ("Tanggal dari Dublin Core", utc(2026, 11, 22, 21, 0), ""),
        ("Tanggal Tidak Terbaca", None, "date not read: 'kemarin sore'"),
        ("Tanpa Tanggal", None, ""),
        ("Tanggal di Masa Depan", NOW, "date in the future (2031-01-01): taken as the feed's time"),
        ("Beberapa Jam ke Depan Masih Wajar", utc(2026, 11, 23, 13, 0), ""),  # within a day: kept
    ],
)
def test_dates_in_a_feed(title, published, note):
    items = {i.title: i for i in listing_of("hostile/dates.xml").items}
    assert (items[title].published, items[title].note) == (published, note)


def test_malformed_xml_is_not_a_feed():
    with pytest.raises(NotAFeed, match=r"^malformed XML: Premature end of data in tag title"):
        listing_of("hostile/malformed.xml")


def test_broken_but_readable_feed_gives_items_and_the_problem():
    listing = listing_of("hostile/readable-with-errors.xml")
    assert [i.title for i in listing.items] == [
        "Ekspor Lada & Karet Kalbar Naik 12 Persen",
        "Harga Emas Antam Turun Rp 8.000",  # &nbsp;, undefined in XML
    ]
    assert (
        listing.items[0].url
        == f"{BASE}/read/2026/11/23/110000/ekspor-lada-karet-kalbar?id=5&page=2"
    )
    assert len(listing.problems) == 1 and listing.problems[0].startswith("read with errors (")


@pytest.mark.parametrize("declared", [None, "utf-8", "UTF-8"])
def test_wrong_declared_charset(declared):
    listing = listing_of("hostile/wrong-charset.xml", declared_charset=declared)
    assert [i.title for i in listing.items] == [
        "Harga Beras Medium Naik, Pedagang: ‘Rp 14.000 Sudah Berat’",
        "Kafe di Kota Lama Semarang Ramai Dikunjungi Wisatawan — Omzet Naik 30%",
    ]
    assert [p.lower() for p in listing.problems] == [
        "read with errors (document declared as utf-8, but parsed as windows-1252)"
    ]


def test_declared_charset_right_where_the_document_says_nothing():
    body = "<rss version='2.0'><channel><item><title>Rp 5.000 “murah”</title><link>/a</link>"
    body += "</item></channel></rss>"
    listing = parse_listing(
        body.encode("cp1252"), f"{BASE}/rss", NOW, declared_charset="windows-1252"
    )
    assert listing.items[0].title == "Rp 5.000 “murah”"


@pytest.mark.parametrize(
    "name, reason",
    [
        (
            "hostile/homepage.html",
            "an HTML page, not a feed (title: 'Warta Nusantara - Berita Terkini Hari Ini')",
        ),
        ("hostile/just-a-moment.html", "an HTML page, not a feed (title: 'Just a moment...')"),
        ("hostile/captcha-wall.html", "an HTML page, not a feed (title: 'Kabar Khatulistiwa')"),
        (
            "wartanusantara/bantuan-banjir-demak.html",
            "an HTML page, not a feed (title: 'Pemkab Demak",
        ),
    ],
)
def test_html_where_a_feed_should_be(name, reason):
    with pytest.raises(NotAFeed) as caught:
        listing_of(name)
    assert str(caught.value).startswith(reason)


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty body"),
        (b"  \n\t ", "empty body"),
        (b'{"items": []}', "malformed XML: "),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "malformed XML: "),
        (
            b"<?xml version='1.0'?><config><a/></config>",
            "not a feed or sitemap (its root element is <config>)",
        ),
        (
            b"<?xml version='1.0'?><html><head><title>Masuk</title></head></html>",
            "an HTML page, not a feed",
        ),
        (
            b"<meta charset=utf-8><html><title>Iklan</title><p>x",
            "an HTML page, not a feed (title: 'Iklan')",
        ),
    ],
)
def test_not_a_feed(body, reason):
    with pytest.raises(NotAFeed) as caught:
        parse_listing(body, f"{BASE}/rss", NOW)
    assert str(caught.value).startswith(reason)


def test_entities_are_not_expanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
        b'<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
        b"<item><title>&b;&x;</title><link>/a</link></item></channel></rss>"
    )
    (item,) = parse_listing(laughs, f"{BASE}/rss", NOW).items
    assert "aaaa" not in item.title and "root" not in item.title


@pytest.mark.parametrize(
    "name",
    [
        "wartanusantara/rss.xml",
        "kabarkhatulistiwa/atom.xml",
        "suaratimur/rdf.xml",
        "hostile/links.xml",
        "hostile/dates.xml",
    ],
)
def test_lxml_and_feedparser_read_a_feed_alike(name):
    # Well-formed feeds go through lxml, broken ones through feedparser: the same feed must give
    # the same items either way.
    url = f"{BASE}/feeds/{name.split('/')[-1]}"
    body = body_of(name)
    assert feeds._from_feedparser(body, url, NOW, None, "") == parse_listing(body, url, NOW)


# --- choosing the items of a run --------------------------------------------------------


def item(path: str, hours_ago: float | None, note: str = "") -> FeedItem:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return FeedItem(f"{BASE}{path}", path, published, note)


def test_select_items_newest_first_window_undated_last_duplicates_once():
    listing = Listing(
        "feed",
        [
            item("/old", 72),
            item("/undated-1", None),
            item("/b", 5),
            item("/a", 1),
            item("/a?utm_source=rss", 0.5),  # the same article as /a, listed again
            item("/undated-2", None),
            item("/c", 47),
        ],
        [],
    )
    chosen = select_items(listing, timedelta(days=2), 50, NOW)
    assert [i.title for i in chosen] == [
        "/a?utm_source=rss",
        "/b",
        "/c",
        "/undated-1",
        "/undated-2",
    ]
    assert [i.title for i in select_items(listing, timedelta(hours=2), 50, NOW)] == [
        "/a?utm_source=rss",
        "/undated-1",
        "/undated-2",
    ]
    assert [i.title for i in select_items(listing, timedelta(days=2), 2, NOW)] == [
        "/a?utm_source=rss",
        "/b",
    ]


def test_select_from_a_real_fixture():
    listing = listing_of("hostile/dates.xml")
    chosen = select_items(listing, timedelta(days=1), 50, NOW)
    assert [i.title for i in chosen] == [
        "Tanggal di Masa Depan",  # taken as now
        "Beberapa Jam ke Depan Masih Wajar",
        "Tanggal dengan Nama Hari dan WIB",
        "Tanggal Angka Tanpa Zona",
        "Tanggal Singkat dengan WITA",
        "Tanggal dari Dublin Core",
        "Tanggal Tidak Terbaca",
        "Tanpa Tanggal",
    ]


def test_ten_thousand_items_are_fast():
    body = make_feed.rss_feed(10_000, BASE, newest=NOW)
    started = time.perf_counter()
    listing = parse_listing(body, f"{BASE}/rss.xml", NOW)
    chosen = select_items(listing, timedelta(days=2), 50, NOW)
    elapsed = time.perf_counter() - started
    assert len(listing.items) == 10_000 and listing.problems == []
    assert [i.url for i in chosen[:2]] == [
        f"{BASE}/berita/0/kabar-demak",
        f"{BASE}/berita/1/kabar-sanggau",
    ]
    assert len(chosen) == 50
    assert elapsed < 1.5, f"{elapsed:.2f} s for 10,000 items"
