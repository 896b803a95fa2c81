from pathlib import Path

import pytest

from kabar.tasks.clean import clean_text, normalise, parse_date

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# What a careful reader takes from each seed page.
GOLD = {
    "000": dict(
        title="Terus Didesak Mundur, Presiden Belarus Akan ke Rusia Minta Bantuan Putin",
        published="2020-09-11T18:43:00+07:00", author="Aditya Jaya Iswara",
        outlet="Kompas.com", dateline="MOSKWA, KOMPAS.com", agency="AFP",
        first="Kremlin pada Jumat (11/9/2020) mengatakan", last="untuk melawan Uni Eropa.",
        paragraphs=7,
    ),
    "001": dict(
        title="Rusia Siap Kerahkan Bantuan Militer ke Belarus jika Diperlukan",
        published="2020-08-17T13:30:00+07:00", author="Danur Lambang Pristiandaru",
        outlet="Kompas.com", dateline="MINSK, KOMPAS.com", agency=None,
        first="Presiden Rusia Vladimir Putin menawarkan",
        last="pakta militer kolektif jika diperlukan.",
        paragraphs=12,
    ),
    "002": dict(
        title="Belarusia dan Rusia akan Kerja Sama Respons Ancaman Asing",
        published="2020-10-25T16:25:00+07:00", author="Lintar Satria", outlet="Republika",
        dateline="REPUBLIKA.CO.ID, MOSKOW", agency="Reuters",
        first="Kantor berita Rusia melaporkan", last="yang menjadi simbol oposisi.", paragraphs=9,
    ),
    "003": dict(
        title="Lukashenko Klaim Moskow Siap Dukung Keamanan Belarus",
        published="2020-08-17T09:53:00+07:00", author="Faustinus Nua", outlet="Media Indonesia",
        dateline=None, agency="Aljazeera",
        first="PRESIDEN Belarus Alexander Lukashenko",
        last="sejak Lukashenko mengambil alih kekuasaan, 26 tahun lalu.",
        paragraphs=8,
    ),
    "004": dict(
        title="Belarus dan Rusia Dikabarkan akan Menanggapi Ancaman Eksternal Bersama",
        published="2020-10-26T11:26:00+07:00", author=None, outlet="Elshinta", dateline=None,
        agency="VOA Indonesia", first="Presiden Belarusia Alexander Lukashenko mengatakan",
        last="di Minsk dan seluruh negara itu.", paragraphs=1,
    ),
}  # fmt: skip


@pytest.mark.parametrize("prefix", sorted(GOLD))
def test_seed_metadata_and_body(prefix):
    gold = GOLD[prefix]
    page = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    article = clean_text(page)
    for key in ("title", "published", "author", "outlet", "dateline", "agency"):
        assert getattr(article, key) == gold[key], key
    assert article.body[0].startswith(gold["first"])
    assert article.body[-1].endswith(gold["last"])
    assert len(article.body) == gold["paragraphs"]
    text = "\n".join(article.body)
    for noise in ("Baca juga", "Baca Juga", "Advertisement", "Halaman", "[vm/ft]", "OL-1", "Foto"):
        assert noise not in text


def test_normalise_windows_line_ends_bom_nbsp_and_curly_quotes():
    page = "\ufeffJudul\r\n\r\nKata \u201ckutipan\u201d\u00a0di sini\r\n"
    assert normalise(page) == 'Judul\n\nKata "kutipan" di sini\n'


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Senin 17 Agustus 2020, 09:53 WIB", "2020-08-17T09:53:00+07:00"),
        ("Kompas.com - 11/09/2020, 18:43 WIB", "2020-09-11T18:43:00+07:00"),
        ("Ahad 25 Oct 2020 16:25 WIB", "2020-10-25T16:25:00+07:00"),
        ("Kamis, 09 Nov 2017 13:55 WIB", "2017-11-09T13:55:00+07:00"),
        ("Rabu, 3 Januari 2024 - 08:00 WITA", "2024-01-03T08:00:00+08:00"),
        ("Jumat, 5 Mei 2023 19:30 WIT", "2023-05-05T19:30:00+09:00"),
        ("tanpa tanggal di sini", None),
    ],
)
def test_parse_date(line, expected):
    assert parse_date(line) == expected


def test_boilerplate_only_page_has_no_body():
    page = "Baca juga: Sesuatu\nAdvertisement\nTerkini Lainnya\nJudul berita lain di sini\n"
    assert clean_text(page).body == []


def test_paragraph_printed_twice_is_kept_once():
    paragraph = (
        "Pemerintah mengumumkan kebijakan baru pada hari Senin untuk membantu para petani di desa."
    )
    article = clean_text(f"Judul Berita Yang Cukup Panjang\n\n{paragraph}\n\n{paragraph}\n")
    assert article.body == [paragraph]


@pytest.mark.parametrize(
    ("text", "outlet"),
    [
        ("Pinisi itu dikirim ke beberapa negara, antara lain Prancis.", None),
        ("Di antara warga yang hadir ada Bupati.", None),
        ("Jakarta (ANTARA) - Presiden meresmikan jembatan.", "Antara"),
        ("Jakarta (Antara) - Presiden meresmikan jembatan.", "Antara"),
        ("Foto: ANTARA FOTO/Reno Esnir", None),  # a photo credit: any outlet prints them
    ],
)
def test_antara_is_known_by_its_marks_not_by_the_word_antara(text, outlet):
    from kabar.tasks.outlets import recognise_outlet

    rule = recognise_outlet(text)
    assert (rule.name if rule else None) == outlet


def test_a_later_page_keeps_its_headline_by_the_header_block():
    # Page 3 of a long article: its text shares no topic word with the headline, but the
    # header reads headline, standfirst, byline.
    page = (
        "Pasar Ikan Baru Sepi Pembeli\n"
        "Pedagang mengeluh omzet turun sejak pasar dipindahkan ke pinggir kota bulan lalu\n"
        "Penulis: Rahmat Hidayat | Editor: Sari\n"
        "Sementara itu, Wali Kota Rembang Joko Susilo mengatakan angkutan umum menuju lokasi "
        'akan ditambah mulai pekan depan. "Kami sudah menyiapkan enam armada," ujarnya '
        "kepada wartawan di Rembang, Selasa (3/11/2026).\n"
    )
    article = clean_text(page)
    assert article.title == "Pasar Ikan Baru Sepi Pembeli"
    assert article.author == "Rahmat Hidayat"
    assert article.body and article.body[0].startswith("Sementara itu")
