import pytest

from kabar.tasks.sentences import split_sentences


@pytest.mark.parametrize(
    "paragraph, count",
    [
        ("Ia tinggal di Jl. Sudirman No. 5 Jakarta. Rumahnya besar.", 2),
        ("Penelitian oleh Budi dkk. menunjukkan hasil baik. Itu penting.", 2),
        ("Prof. Dr. Andi Hamzah, S.H. hadir di sana. Ia berbicara.", 2),
        ("Sebanyak 1.047 orang membayar Rp 7.500 per hari. Jumlahnya naik.", 2),
        ("Joko A. Widodo datang pada Sabtu (24/10). Ia pulang esoknya.", 2),
        ('"Kami siap," katanya. "Kami menunggu." Lalu ia pergi.', 3),
        ("Apa benar? Ya! Benar sekali.", 3),
    ],
)
def test_indonesian_abbreviations_numbers_and_quotes(paragraph, count):
    sentences = split_sentences(paragraph)
    assert len(sentences) == count, sentences
    assert " ".join(sentences) == paragraph  # nothing lost, nothing added


def test_empty_paragraph():
    assert split_sentences("   ") == []
