from pathlib import Path

from kabar.tasks.ingest import article_id, decode, find_articles, read_article


def test_decodes_utf8_bom_utf16_and_cp1252():
    text = "Presiden berkata “tidak” — café"
    assert decode(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode(text.encode("utf-16")) == text
    assert decode(text.encode("cp1252")) == text


def test_binary_is_not_text():
    assert decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
    assert decode(bytes(range(1, 32)) * 10) is None


def test_article_id_is_stem_plus_content_hash():
    first = article_id(Path("a b/../Berita Hari ini.txt"), b"x")
    assert first.startswith("Berita_Hari_ini-") and len(first.split("-")[-1]) == 8
    assert article_id(Path("x.txt"), b"one") != article_id(Path("x.txt"), b"two")
    assert article_id(Path("-..txt"), b"z").startswith("article-")


def test_skips_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / "big.txt").write_bytes(b"a" * 101)
    (tmp_path / "note.md").write_text("not an article file")
    (tmp_path / "folder.txt").mkdir()  # not a regular file
    found = find_articles(tmp_path)
    assert [p.name for p in found] == ["big.txt", "empty.txt", "image.txt"]
    assert read_article(tmp_path / "empty.txt").problem == "not text (whitespace only)"
    assert read_article(tmp_path / "image.txt").problem == "not text (binary data)"
    assert read_article(tmp_path / "big.txt", max_bytes=100).problem.startswith("too large")


def test_symlink_out_of_inbox_is_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("rahasia")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.txt").symlink_to(outside)
    assert find_articles(inbox) == []


def test_a_4_mb_article_under_the_limit_is_read_and_cleaned(tmp_path):
    from kabar.tasks.clean import clean_text

    paragraph = "Pemerintah mengumumkan kebijakan baru pada hari Senin untuk para petani nomor {}."
    page = "Judul Berita Yang Sangat Panjang\n\n" + "\n\n".join(
        paragraph.format(i) for i in range(50_000)
    )
    path = tmp_path / "long.txt"
    path.write_text(page, encoding="utf-8")
    assert 4_000_000 < path.stat().st_size < 5_000_000
    source = read_article(path)
    assert source.problem is None
    assert len(clean_text(source.text).body) == 50_000


def test_a_file_that_cannot_be_read_is_retried_then_skipped(tmp_path, monkeypatch):
    from kabar.tasks import ingest

    path = tmp_path / "flaky.txt"
    path.write_text("Presiden berbicara hari ini.")
    calls = []
    real = Path.read_bytes

    def flaky(self):
        calls.append(self)
        if len(calls) < 2:
            raise OSError(5, "Input/output error")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", flaky)
    assert ingest.read_with_retries(path).text == "Presiden berbicara hari ini."
    assert len(calls) == 2

    calls.clear()
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(OSError(5, "EIO")))
    monkeypatch.setattr(ingest.time, "sleep", lambda seconds: None)
    assert ingest.read_with_retries(path).problem.startswith("unreadable (EIO)")
    assert ingest.read_with_retries(tmp_path / "missing.txt").problem.startswith("gone")
