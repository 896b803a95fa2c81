"""Whatever lands in an inbox, the cleaner and the reader never raise past the article."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabar.tasks.clean import clean_text
from kabar.tasks.ingest import decode, read_article
from kabar.tasks.sentences import split_sentences

LINES = st.sampled_from(
    ["Baca juga: Sesuatu", "Advertisement", "Halaman:", "Penulis", "Rep: A / Red: B",
     "Senin 17 Agustus 2020, 09:53 WIB",
     "MOSKWA, KOMPAS.com - Kremlin mengatakan sesuatu hari ini.",
     "(rds/has)", "[vm/ft]", "sumber : Reuters", "", " ", "\u00a0", "\ufeff"]
)  # fmt: skip
PAGES = st.one_of(st.text(), st.lists(st.one_of(LINES, st.text()), max_size=40).map("\n".join))


@settings(max_examples=300, deadline=None)
@given(PAGES)
def test_clean_text_never_raises(page):
    article = clean_text(page)
    assert isinstance(article.body, list) and all(isinstance(p, str) and p for p in article.body)
    for paragraph in article.body:
        assert "".join(split_sentences(paragraph)).replace(" ", "") == paragraph.replace(" ", "")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=4000))
def test_reading_any_bytes_never_raises(tmp_path, data):
    assert decode(data) is None or isinstance(decode(data), str)
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    source = read_article(path)
    assert (source.text is None) == (source.problem is not None)
