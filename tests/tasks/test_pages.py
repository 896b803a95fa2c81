from pathlib import Path

import pytest

from kabar.tasks.clean import clean_text
from kabar.tasks.pages import Page, decode_page, extract_page, looks_like_challenge

SITES = Path(__file__).resolve().parents[1] / "data" / "sites"
BASE = "http://127.0.0.1:8123"

# file, canonical path, author, published, body paragraphs after cleaning, first and last words
ARTICLES = [
    (
        "wartanusantara/bantuan-banjir-demak.html",
        "https://www.wartanusantara.example/berita/2026/11/23/bantuan-banjir-demak",
        "Dimas Prasetyo",
        "2026-11-23T14:05:00+07:00",
        6,
        "Pemerintah Kabupaten Demak menyalurkan",
        "Hingga Senin siang, tercatat 1.312 rumah",
    ),
    (
        "wartanusantara/harga-cabai-rawit-semarang.html",
        "https://www.wartanusantara.example/ekonomi/2026/11/22/harga-cabai-rawit-semarang",
        "Nur Aini Safitri",
        "2026-11-22T10:40:00+07:00",
        5,
        "Harga cabai rawit merah di sejumlah pasar",
        "Bambang menambahkan, pemerintah kota",
    ),
    (
        "wartanusantara/jalur-pantura-kendal-diperbaiki.html",
        "https://www.wartanusantara.example/daerah/2026/11/21/jalur-pantura-kendal-diperbaiki",
        "Dimas Prasetyo",
        "2026-11-21T16:15:00+07:00",
        4,
        "Balai Besar Pelaksanaan Jalan Nasional",
        "Warga Desa Penyangkringan, Slamet Riyadi",
    ),
    (
        "kabarkhatulistiwa/debit-sungai-kapuas-sanggau.html",
        "https://kabarkhatulistiwa.example/read/2026/11/24/093000/debit-sungai-kapuas-sanggau",
        "Rina Maharani",
        "2026-11-24T09:30:00+07:00",
        5,
        "Sebanyak 386 rumah di tepian Sungai Kapuas",
        "Pemerintah Kabupaten Sanggau telah mengirim",
    ),
    (
        "kabarkhatulistiwa/pelabuhan-dwikora-penumpang-akhir-tahun.html",
        "https://kabarkhatulistiwa.example/read/2026/11/23/151200/pelabuhan-dwikora-penumpang-akhir-tahun",
        "Hendrikus Ola",
        "2026-11-23T15:12:00+07:00",
        4,
        "Pelabuhan Dwikora Pontianak bersiap",
        "Kepala Kantor Kesyahbandaran",
    ),
    (
        "kabarkhatulistiwa/harga-tbs-sawit-sintang-turun.html",
        "https://kabarkhatulistiwa.example/read/2026/11/22/081500/harga-tbs-sawit-sintang-turun",
        "Rina Maharani",
        "2026-11-22T08:15:00+07:00",
        5,
        "Petani kelapa sawit swadaya",
        "Selain harga, petani juga mengeluhkan",
    ),
    (
        "suaratimur/beasiswa-pelajar-sulsel-dibuka.html",
        "https://suaratimur.example/pendidikan/beasiswa-pelajar-sulsel-dibuka.html",
        "Andi Baso Tenri",
        "2026-11-23T16:20:00+08:00",
        5,
        "Dinas Pendidikan Provinsi Sulawesi Selatan",
        "Anggota Komisi E DPRD Sulsel",
    ),
    (
        "suaratimur/pinisi-bulukumba-dikirim-ke-prancis.html",
        "https://suaratimur.example/ekonomi/pinisi-bulukumba-dikirim-ke-prancis.html",
        "Nurhayati Syam",
        "2026-11-22T11:05:00+08:00",
        5,
        "Sebuah kapal pinisi sepanjang 32 meter",
        "Ia berharap pemerintah pusat",
    ),
]
SITE_NAMES = {
    "wartanusantara": "Warta Nusantara",
    "kabarkhatulistiwa": "Kabar Khatulistiwa",
    "suaratimur": "Suara Timur",
}
# Words of the pages' furniture that must not reach an article's body.
BOILERPLATE = (
    *("Baca juga", "Baca Juga", "BACA JUGA", "Bagikan", "Berita Terkait", "Beranda"),
    *("Terpopuler", "Pedoman Media Siber", "ADVERTISEMENT", "Komentar", "Copyright"),
)


def page_of(name: str) -> Page:
    html = decode_page((SITES / name).read_bytes(), "utf-8")
    return extract_page(html, f"{BASE}/{name}")


@pytest.mark.parametrize("name, canonical, author, published, paragraphs, first, last", ARTICLES)
def test_extract_page_and_clean(name, canonical, author, published, paragraphs, first, last):
    page = page_of(name)
    assert (page.canonical_url, page.author, page.published) == (canonical, author, published)
    assert page.site_name == SITE_NAMES[name.split("/")[0]]
    title, _, rest = page.text.partition("\n\n")
    assert title == page.title and rest and "\n\n\n" not in page.text
    assert page.text.count(page.title) == 1  # the <h1> inside the article is not said twice

    article = clean_text(page.text)
    assert article.title == page.title
    assert len(article.body) == paragraphs
    assert article.body[0].startswith(
        first
    )  # the dateline ('DEMAK, WARTANUSANTARA –') is split off
    assert article.body[-1].startswith(last)
    assert not [b for b in BOILERPLATE if any(b in p for p in article.body)]


def test_title_text_shape():
    page = page_of("suaratimur/beasiswa-pelajar-sulsel-dibuka.html")
    paragraphs = page.text.split("\n\n")
    assert paragraphs[0] == "Dinas Pendidikan Sulsel Buka Pendaftaran Beasiswa untuk 1.500 Siswa"
    assert paragraphs[1].startswith("MAKASSAR, SUARATIMUR.COM -- Dinas Pendidikan")
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)


def test_page_without_metadata():
    html = (
        "<html><head><title>Warga Gotong Royong Bersihkan Sungai</title>"
        '<link rel="canonical" href="/berita/gotong-royong"></head><body><article>'
        + "<p>Ratusan warga Kelurahan Sungai Jawi membersihkan parit dan sungai kecil pada Minggu"
        " pagi untuk mencegah banjir saat musim hujan tiba bulan depan.</p>"
        * 3
        + "</article></body></html>"
    )
    page = extract_page(html, f"{BASE}/berita/gotong-royong?utm_source=wa")
    assert page.canonical_url == f"{BASE}/berita/gotong-royong"  # made absolute
    assert page.title == "Warga Gotong Royong Bersihkan Sungai" and page.author == ""
    assert page.published is None


@pytest.mark.parametrize(
    "html", ["", "   ", "<html></html>", "<?xml version='1.0'?><html/>", "\x00"]
)
def test_extract_page_never_raises(html):
    page = extract_page(html, f"{BASE}/x")
    assert page.text == "" and page.canonical_url is None


# --- decoding ---------------------------------------------------------------------------

WORDS = "Harga beras ‘Rp 14.000’ — “mahal”, kata Bu Sumi di kafé"


def html_bytes(encoding: str, meta: str | None = None) -> bytes:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}<title>x</title></head><body><p>{WORDS}</p></body></html>".encode(
        encoding
    )


@pytest.mark.parametrize(
    "body, declared",
    [
        (html_bytes("utf-8"), "utf-8"),
        (html_bytes("utf-8"), None),
        (html_bytes("cp1252"), "windows-1252"),
        (html_bytes("cp1252"), "iso-8859-1"),  # Latin-1 means windows-1252, as in browsers
        (html_bytes("cp1252", meta="utf-8"), "utf-8"),  # both claims wrong: fall back to cp1252
        (html_bytes("cp1252", meta="windows-1252"), "utf-8"),  # the header is wrong, the meta right
        (html_bytes("cp1252", meta="windows-1252"), None),
        (html_bytes("utf-8", meta="utf-8"), "iso-8859-1"),  # UTF-8 mislabelled: no mojibake
        (html_bytes("utf-8"), "windows-1252"),
        (html_bytes("utf-8"), "x-no-such-charset"),
        (b"\xef\xbb\xbf" + html_bytes("utf-8"), "iso-8859-1"),  # a BOM beats the header
        (html_bytes("utf-16"), "utf-8"),  # Python's utf-16 writes a BOM
    ],
)
def test_decode_page(body, declared):
    assert WORDS in decode_page(body, declared)


def test_decode_page_never_raises():
    assert decode_page(b"\x81\x8d\x8f\x90\x9d \xff\xfe", "utf-8")  # undefined in cp1252 too
    assert decode_page(b"", None) == ""
    assert decode_page(b"<meta charset='utf-32'>\xff", "nonsense") != ""


# --- anti-bot pages ---------------------------------------------------------------------

LONG_ARTICLE_ABOUT_CAPTCHAS = (
    "<html><head><title>Penipu Pakai Captcha Palsu untuk Curi Data</title></head><body>"
    + "<p>Polisi mengimbau warga berhati-hati terhadap halaman captcha palsu yang meminta"
    " pengguna menyalin perintah ke komputer. Verifikasi Anda bukan robot tidak pernah meminta"
    " hal seperti itu, kata penyidik Direktorat Siber.</p>" * 12 + "</body></html>"
)


@pytest.mark.parametrize(
    "html, expected",
    [
        ((SITES / "hostile/just-a-moment.html").read_text(), True),
        ((SITES / "hostile/captcha-wall.html").read_text(), True),  # an ordinary title
        (
            "<html><head><title>Attention Required! | Cloudflare</title></head><body></html>",
            True,
        ),
        ("<title>Access Denied</title><h1>Access Denied</h1>", True),
        ("<html><body><div class='cf-turnstile'></div><p>Tunggu sebentar</p></body></html>", True),
        (
            "<html><head><title>Kabar Khatulistiwa</title><script>var u='/cdn-cgi/"
            "challenge-platform/h/b';</script></head><body><p>Mohon tunggu...</p></body></html>",
            True,  # a challenge script under an ordinary title
        ),
        ((SITES / "hostile/homepage.html").read_text(), False),
        ((SITES / "wartanusantara/bantuan-banjir-demak.html").read_text(), False),
        ((SITES / "kabarkhatulistiwa/debit-sungai-kapuas-sanggau.html").read_text(), False),
        (LONG_ARTICLE_ABOUT_CAPTCHAS, False),  # words of a challenge in a long article
        ("<html><head><title>Halaman Tidak Ditemukan</title></head><body>404</body></html>", False),
        ("", False),
        ("just a moment", False),  # no title: plain text is not judged on its words alone
    ],
)
def test_looks_like_challenge(html, expected):
    assert looks_like_challenge(html) is expected


def test_a_site_name_that_is_only_the_address_s_host_is_no_name():
    body = "<p>" + "Banjir merendam ratusan rumah warga di Demak pada Senin pagi. " * 5 + "</p>"
    page = (
        "<html><head><title>Banjir di Demak</title></head>"
        f"<body><article>{body}</article></body></html>"
    )
    assert extract_page(page, "http://127.0.0.1:8000/berita/x").site_name == ""
    assert extract_page(page, "https://www.warta.id/berita/x").site_name == ""  # 'warta.id'
    named = page.replace("<head>", '<head><meta property="og:site_name" content="Warta Demak">')
    assert extract_page(named, "https://www.warta.id/berita/x").site_name == "Warta Demak"
    # a real name that spells the domain is a name: trafilatura's stand-in is lower case
    domain = page.replace("<head>", '<head><meta property="og:site_name" content="Warta.id">')
    assert extract_page(domain, "https://www.warta.id/berita/x").site_name == "Warta.id"
