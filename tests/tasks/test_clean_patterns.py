"""Page patterns seen on real Indonesian news pages, each in a small page of its own."""

from kabar.tasks.clean import clean_text

LEAD = (
    "JAKARTA, KOMPAS.com - Pemerintah menetapkan harga baru untuk beras medium di seluruh "
    "wilayah Indonesia mulai pekan depan, kata Menteri Perdagangan pada Senin."
)
SECOND = (
    "Menurut dia, kebijakan itu diambil setelah harga gabah naik selama tiga bulan "
    "berturut-turut di sentra produksi Jawa Tengah dan Jawa Timur."
)
THIRD = (
    "Para pedagang di Pasar Induk Cipinang menyambut baik kebijakan tersebut karena "
    "pasokan beras dinilai masih cukup untuk dua bulan ke depan."
)


def page(*lines: str) -> str:
    return "\n\n".join(lines)


def test_inline_and_trailing_links_are_cut_out_of_paragraphs():
    article = clean_text(
        page(
            "Harga Beras Naik",
            LEAD,
            "Menurut dia, kebijakan itu diambil setelah harga gabah naik (Baca: Harga Gabah "
            "Naik Lagi) selama tiga bulan berturut-turut di sentra produksi.",
            THIRD + " Baca berita selengkapnya di sini.",
        )
    )
    assert article.body[1] == (
        "Menurut dia, kebijakan itu diambil setelah harga gabah naik selama tiga bulan "
        "berturut-turut di sentra produksi."
    )
    assert article.body[2] == THIRD


def test_simak_juga_and_widgets_inside_the_body_are_dropped():
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            LEAD,
            "SIMAK JUGA: Harga Gabah Naik Lagi",
            "Advertisement",
            "SCROLL TO CONTINUE WITH CONTENT",
            "loading…",
            "A A A",
            "Halaman: 1 2",
            SECOND,
            "Hide Ads",
            THIRD,
        )
    )
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND, THIRD]


def test_whatsapp_channel_promo_over_several_lines_is_dropped():
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            LEAD,
            SECOND,
            "Simak breaking news dan berita pilihan kami langsung di ponselmu. Pilih saluran "
            "andalanmu akses berita Kompas.com WhatsApp Channel : "
            "https://www.whatsapp.com/channel/0029VaFPbedBPzjZrk13HO3D.",
            "Pastikan kamu sudah install aplikasi WhatsApp ya.",
            THIRD,
        )
    )
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND, THIRD]


def test_captions_with_a_glued_or_separate_credit_and_captions_printed_twice():
    caption = "Pedagang beras melayani pembeli di Pasar Induk Cipinang."
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            caption,
            caption,
            LEAD,
            "Menteri Perdagangan di kantornya, Senin (1/4/2024)./Foto: Rusman - Biro Pers",
            SECOND,
            "Suasana pasar pada Senin pagi (Foto: Ari Saputra/detikcom)",
            "Beras medium di sebuah gudang Bulog",
            "- Istimewa",
            THIRD,
        )
    )
    assert article.title == "Harga Beras Naik Mulai Pekan Depan"
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND, THIRD]


def test_a_related_headline_with_its_date_after_the_body_ends_it():
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            LEAD,
            SECOND,
            "Serangan di Afghanistan Hanya Fokus Untuk Cegah Serangan terhadap AS dan Sekutu",
            "Selasa, 15 Juni 2021 - 09:28 WIB",
            "AS tidak berencana untuk mendukung pasukan Afghanistan dengan serangan udara "
            "setelah penarikan pasukan...",
        )
    )
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND]


def test_a_teaser_repeating_a_body_sentence_is_kept_once():
    teaser = "Pemerintah menetapkan harga baru untuk beras medium di seluruh wilayah Indonesia."
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            teaser,
            "Pemerintah menetapkan harga baru untuk beras medium di seluruh wilayah Indonesia. "
            "Kebijakan itu berlaku mulai pekan depan, kata Menteri Perdagangan pada Senin.",
            SECOND,
        )
    )
    assert len(article.body) == 2 and article.body[0].startswith(teaser)


def test_summary_box_before_the_body_is_not_the_body():
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            "Baca 10 detik",
            "• Pemerintah menetapkan harga baru untuk beras medium di seluruh wilayah Indonesia "
            "mulai pekan depan.",
            "• Kebijakan itu diambil setelah harga gabah naik selama tiga bulan berturut-turut.",
            "Jakarta - " + SECOND,
            THIRD,
        )
    )
    assert article.body == [SECOND, THIRD]


def test_bylines_in_many_forms():
    cases = {
        "LAPORAN: ANGGA ULUNG TRANGGANA SELASA, 11 AGUSTUS 2020 , 14:29:00 WIB": (
            "Angga Ulung Tranggana",
            "2020-08-11T14:29:00+07:00",
        ),
        "Dimas Andhika Fikri, Jurnalis-Selasa, 11 Agustus 2020 |11:30 WIB": (
            "Dimas Andhika Fikri",
            "2020-08-11T11:30:00+07:00",
        ),
        "Pewarta : Lia Wanadriani Santosa": ("Lia Wanadriani Santosa", None),
    }
    for line, (author, published) in cases.items():
        article = clean_text(page("Harga Beras Naik Mulai Pekan Depan", line, LEAD, SECOND))
        assert article.author == author, line
        assert article.published == published, line


def test_author_after_the_body_and_the_editor_is_never_the_author():
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            LEAD,
            SECOND,
            "Penulis : Nur Rohmi Aida | Editor : Inggried Dwi Wedhaswary",
        )
    )
    assert article.author == "Nur Rohmi Aida"
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND]
    editor_only = clean_text(page("Harga Beras Naik", LEAD, SECOND, "Editor : Cahya Mulyana"))
    assert editor_only.author is None


def test_editor_initials_stripped_from_the_last_sentence():
    article = clean_text(page("Harga Beras Naik", LEAD, SECOND + " (rds/has)", THIRD))
    assert article.body[-1] == SECOND  # the initials close the article


def test_sentences_split_where_a_link_was_are_rejoined():
    text = "\n".join(
        [
            "Harga Beras Naik Mulai Pekan Depan",
            "",
            "DEPOK, KOMPAS.com",
            "– Pemerintah menetapkan harga baru untuk beras medium di seluruh wilayah mulai "
            "pekan depan.",
            "“Sudah diputuskan bersama,” ujar Menteri Perdagangan kepada",
            "Kompas.com",
            ", Senin (4/3/2024).",
            "",
            SECOND,
        ]
    )
    article = clean_text(text)
    assert article.dateline == "DEPOK, KOMPAS.com"
    assert article.body == [
        "Pemerintah menetapkan harga baru untuk beras medium di seluruh wilayah mulai pekan depan.",
        '"Sudah diputuskan bersama," ujar Menteri Perdagangan kepada Kompas.com, Senin (4/3/2024).',
        SECOND,
    ]


def test_the_page_own_link_is_the_url():
    article = clean_text(
        page(
            "Harga Beras Naik Mulai Pekan Depan",
            LEAD,
            "Link: https://www.example.com/promo",
            SECOND,
            "https://money.kompas.com/read/2024/04/01/harga-beras-naik-mulai-pekan-depan",
        )
    )
    assert article.url.endswith("/harga-beras-naik-mulai-pekan-depan")


def test_a_dateline_alone_on_its_line_stays_metadata():
    article = clean_text(
        page("Harga Beras Naik Mulai Pekan Depan", "Jakarta, CNN Indonesia --", SECOND)
    )
    assert article.dateline == "Jakarta, CNN Indonesia"
    assert article.body == [SECOND]


def test_fragments_split_at_links_by_a_name_a_number_and_brackets_are_one_paragraph():
    text = "\n".join(
        [
            "Harga Beras Naik Mulai Pekan Depan",
            "",
            "Kepala Dinas Perdagangan",
            "Budi Santoso",
            "mengatakan stok beras cukup untuk",
            "3.000",
            "keluarga selama sebulan menurut Badan Pusat Statistik (",
            "BPS",
            ") pekan ini.",
        ]
    )
    assert clean_text(text).body == [
        "Kepala Dinas Perdagangan Budi Santoso mengatakan stok beras cukup untuk 3.000 keluarga "
        "selama sebulan menurut Badan Pusat Statistik (BPS) pekan ini."
    ]


def test_captions_credited_in_brackets_or_after_the_sentence_are_never_body_or_title():
    article = clean_text(
        page(
            "Pedagang menata karung beras di Pasar Cipinang, Senin (1/4/2024). (ANTARA FOTO/Ali)",
            "Harga Beras Naik Mulai Pekan Depan",
            LEAD,
            "Gudang beras Bulog di Jakarta Timur, Senin (1/4/2024). REUTERS/Ajeng Dinar",
            SECOND,
            "Truk beras memasuki pasar sejak subuh. (Kompas.com/Dian Permata)",
            THIRD,
        )
    )
    assert article.title == "Harga Beras Naik Mulai Pekan Depan"
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND, THIRD]


def test_a_breadcrumb_or_a_caption_is_never_the_title_and_no_title_is_left_empty():
    article = clean_text(
        page("Beranda » Ekonomi » Pangan", "Senin, 1 April 2024 10:00 WIB", LEAD, SECOND)
    )
    assert article.title == ""
    assert article.published == "2024-04-01T10:00:00+07:00"
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND]


def test_an_unlabelled_teaser_is_dropped_and_a_roundup_section_is_kept():
    teaser = page(
        "Harga Cabai di Medan Turun Jelang Panen Raya Petani Karo",
        "Harga cabai merah di pasar tradisional Medan turun menjadi Rp 30 ribu per kilogram "
        "karena petani di Karo mulai memanen. Pedagang memperkirakan harga terus turun.",
    )
    article = clean_text(page("Harga Beras Naik Mulai Pekan Depan", LEAD, SECOND, teaser, THIRD))
    assert article.body == [LEAD.split(" - ", 1)[1], SECOND, THIRD]

    section = page(
        "Pedagang Pasar Cipinang sambut harga beras baru",
        "Para pedagang di Pasar Induk Cipinang menyambut harga beras medium yang baru karena "
        "pasokan gabah dari Karawang dinilai cukup.",
        "Menurut para pedagang Cipinang, pasokan gabah dari Karawang datang setiap pagi dengan "
        "truk dan harga beras medium kini lebih stabil.",
    )
    article = clean_text(page("Harga Beras Naik Mulai Pekan Depan", LEAD, SECOND, section))
    assert len(article.body) == 5
