from datetime import timedelta
from pathlib import Path

import pytest

from kabar.tasks.sources import (
    Source,
    SourcesError,
    article_id_for,
    canonical_url,
    from_options,
    load_sources,
    parse_since,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2d", timedelta(days=2)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("1w", timedelta(weeks=1)),
        ("36h", timedelta(hours=36)),
        ("1d12h", timedelta(hours=36)),
        (" 3D ", timedelta(days=3)),
    ],
)
def test_parse_since(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["two days", "2", "d2", "2x", "", "-2d", "0h", "2.5d"])
def test_parse_since_refuses(text):
    with pytest.raises(ValueError, match="'since' must"):
        parse_since(text)


@pytest.mark.parametrize(
    "url, expected",
    [
        # lower-case scheme and host, default port and fragment dropped, trackers dropped,
        # the rest sorted; path case kept
        (
            "HTTPS://WWW.Kompas.com:443/Read/2026/bantuan?utm_source=x&page=2&fbclid=1&a=b#top",
            "https://www.kompas.com/Read/2026/bantuan?a=b&page=2",
        ),
        (
            "http://example.co.id:80/x?gclid=9&mc_cid=1&mc_eid=2&_ga=3&ref_src=tw&id=5",
            "http://example.co.id/x?id=5",
        ),
        ("http://127.0.0.1:8000/berita/1?b=2&a=1", "http://127.0.0.1:8000/berita/1?a=1&b=2"),
        ("https://x.id", "https://x.id/"),
        ("https://x.id/a?page=2", "https://x.id/a?page=2"),
        ("https://x.id/a?page=all&utm_medium=rss", "https://x.id/a?page=all"),
        ("https://x.id/a?ref=home", "https://x.id/a?ref=home"),  # can select content: kept
        (
            "https://x.id/cari?keyword=banjir&source=kanal",
            "https://x.id/cari?keyword=banjir&source=kanal",
        ),
        ("https://x.id/a?q=2&q=1", "https://x.id/a?q=2&q=1"),  # repeated names keep their order
        ("https://x.id/a?", "https://x.id/a"),
        ("https://X.id:8443/a#", "https://x.id:8443/a"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


def test_article_id():
    ident = article_id_for(
        "https://www.kompas.com/read/2026/11/23/bantuan-banjir-demak?utm_source=rss"
    )
    assert ident.startswith("www.kompas.com-bantuan-banjir-demak-")
    assert len(ident.rsplit("-", 1)[1]) == 8
    # the same article under tracking parameters and a fragment: the same id
    assert ident == article_id_for("https://WWW.kompas.com/read/2026/11/23/bantuan-banjir-demak#x")
    assert ident != article_id_for("https://www.kompas.com/read/2026/11/24/bantuan-banjir-demak")
    assert article_id_for("http://127.0.0.1:8123/berita/a.html").startswith("127.0.0.1-8123-a-")
    assert (
        article_id_for("https://x.id/").startswith("x.id-")
        and article_id_for("https://x.id/").count("-") == 1
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://x.id/" + "sangat-panjang-" * 20,
        "https://x.id/berita/../%2e%2e/etc/passwd",
        "https://x.id/Judul Dengan Spasi & Simbol!?",
        "https://x.id/berita/12345/",
        "http://[::1]:8080/a",
    ],
)
def test_article_id_is_folder_safe(url):
    ident = article_id_for(url)
    assert all(ch.isalnum() or ch in ".-" for ch in ident), ident
    assert not ident.startswith(".") and len(ident) < 120 and ".." not in ident


def _write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_the_example_file():
    sources = load_sources(ROOT / "sources.example.toml")
    assert sources[0] == Source(
        url="https://www.antaranews.com/rss/terkini.xml",
        kind="feed",
        name="Antara",
        since=timedelta(hours=12),
        max_per_run=50,
    )
    assert sources[-1].kind == "page" and sources[-1].name == "example.co.id"
    assert all(s.since == timedelta(days=2) for s in sources[1:])


def test_defaults_and_names(tmp_path):
    path = _write(
        tmp_path,
        """
[defaults]
since = "36h"
max_per_run = 5
allow_private = true
[[source]]
url = "http://127.0.0.1:8123/rss.xml"
[[source]]
url = "https://Warta.example/berita/a"
kind = "page"
since = "90m"
max_per_run = 1
""",
    )
    first, second = load_sources(path)
    assert first == Source(
        "http://127.0.0.1:8123/rss.xml", "feed", "127.0.0.1:8123", timedelta(hours=36), 5, True
    )
    assert second == Source(
        "https://Warta.example/berita/a", "page", "warta.example", timedelta(minutes=90), 1, True
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[[source]]\nurl = "https://a.id/rss"\n[[source]]\nurl = "https://b.id/rss"\n'
            '[[source]]\nurl = "https://c.id/rss"\nsince = "two days"\n',
            "sources.toml: [[source]] 3: 'since' must look like 2d, 12h or 90m, not 'two days'",
        ),
        (
            '[[source]]\nurl = "https://a.id/rss"\nfrequency = "1h"\n',
            "[[source]] 1: unknown key 'frequency'",
        ),
        (
            '[[source]]\nurl = "ftp://a.id/rss"\n',
            "[[source]] 1: 'url' must be an http or https address",
        ),
        (
            '[[source]]\nurl = "/local/file.xml"\n',
            "[[source]] 1: 'url' must be an http or https address",
        ),
        ('[[source]]\nurl = "https://a.id:port/"\n', "[[source]] 1: 'url' is not a valid address"),
        ('[[source]]\nname = "Antara"\n', "[[source]] 1: 'url' is missing"),
        (
            '[[source]]\nurl = "https://a.id/"\nkind = "sitemap"\n',
            '\'kind\' must be "feed" or "page"',
        ),
        (
            '[[source]]\nurl = "https://a.id/"\nmax_per_run = 0\n',
            "'max_per_run' must be a whole number",
        ),
        (
            '[[source]]\nurl = "https://a.id/"\nmax_per_run = true\n',
            "'max_per_run' must be a whole number",
        ),
        (
            '[[source]]\nurl = "https://a.id/"\nallow_private = "yes"\n',
            "'allow_private' must be true or false",
        ),
        ('[[source]]\nurl = "https://a.id/"\nsince = 2\n', "'since' must be a string"),
        ('[[source]]\nurl = "https://a.id/"\nname = ""\n', "'name' must be a non-empty string"),
        (
            '[[source]]\nurl = "https://a.id/rss?utm_source=x"\n[[source]]\nurl = "https://A.id/rss"\n',
            "[[source]] 2: the same address as [[source]] 1",
        ),
        (
            '[defaults]\nsince = "kemarin"\n[[source]]\nurl = "https://a.id/"\n',
            "[defaults]: 'since' must look like",
        ),
        (
            '[defaults]\nkind = "page"\n[[source]]\nurl = "https://a.id/"\n',
            "[defaults]: unknown key 'kind'",
        ),
        (
            '[[sources]]\nurl = "https://a.id/"\n',
            "unknown table or key 'sources' (did you mean [[source]]?)",
        ),
        ("[defaults]\nsince = '2d'\n", "no [[source]] entries"),
        ('[source]\nurl = "https://a.id/"\n', "'source' must be written as [[source]] tables"),
        ('[[source]\nurl = "https://a.id/"\n', "sources.toml: not valid TOML"),
    ],
)
def test_load_sources_errors_name_file_and_entry(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, text)
    with pytest.raises(SourcesError) as caught:
        load_sources(Path("sources.toml"))
    assert message in str(caught.value)
    assert str(caught.value).startswith("sources.toml: ") and "\n" not in str(caught.value)


def test_every_wrong_entry_is_reported_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, '[[source]]\nurl = "ftp://a.id/"\n[[source]]\nurl = "https://b.id/"\n'
                     '[[source]]\nurl = "https://b.id/#x"\n[[source]]\nkind = "peta"\n'
                     'url = "https://c.id/"\n')  # fmt: skip
    with pytest.raises(SourcesError) as caught:
        load_sources(Path("sources.toml"))
    assert str(caught.value).splitlines() == [
        "sources.toml: [[source]] 1: 'url' must be an http or https address, not 'ftp://a.id/'",
        "sources.toml: [[source]] 3: the same address as [[source]] 2",
        "sources.toml: [[source]] 4: 'kind' must be \"feed\" or \"page\", not 'peta'",
    ]


def test_missing_file(tmp_path):
    with pytest.raises(SourcesError, match="no such file"):
        load_sources(tmp_path / "nope.toml")


def test_from_options():
    sources = from_options(
        [
            "https://www.antaranews.com/rss/terkini.xml",
            "https://www.antaranews.com/rss/terkini.xml#x",
        ],
        ["http://127.0.0.1:8123/berita/a"],
    )
    assert [(s.kind, s.name) for s in sources] == [
        ("feed", "www.antaranews.com"),
        ("page", "127.0.0.1:8123"),
    ]
    with pytest.raises(SourcesError, match=r"^--url 'file:///etc/passwd': 'url' must be an http"):
        from_options([], ["file:///etc/passwd"])
