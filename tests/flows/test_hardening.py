"""Bad input, faults and concurrent runs: every article gets a clear state, nothing done is lost."""

import errno
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from trained_data import person

from kabar.flows.briefing import briefing
from kabar.tasks import publish
from kabar.tasks.publish import OutputError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
REPUBLIKA = SEEDS / "002_4663bce274982e1a.txt"
# A short article in the trained models' domain (scripts/trained_data.py's templates), for
# Republika's page (conftest.short_seed): its header and footer, this title and body.
TITLE = "Mike Pompeo Kunjungi Minsk"
BODY = [
    "Menteri Luar Negeri AS Mike Pompeo tiba di Minsk untuk kunjungan dua hari pada Sabtu (24/10).",
    "Presiden Belarus Alexander Lukashenko berbicara kepada wartawan di Minsk pada Minggu (25/10).",
    "Polisi menangkap 120 orang dalam unjuk rasa di Minsk. Unjuk rasa di Grodno berlangsung damai.",
    "Presiden Rusia Vladimir Putin mengatakan Rusia tidak akan menyerah.",
    "Pemerintah Belarus menaikkan harga bahan bakar sebesar 2,5 persen pada Senin (26/10).",
    "Harga beras di Minsk naik 4,5 persen dalam sebulan terakhir.",
]
ENGLISH = """Belarus and Russia Ready to Respond to External Threats Together

Belarusian President Alexander Lukashenko told US Secretary of State Mike Pompeo by phone on
Saturday that Belarus and Russia were ready to work together against external threats.

He has refused to step down despite weeks of protests that were sparked by the disputed election.

A State Department spokesman confirmed that the call took place and said the United States wants
the release of a detained American citizen.
"""


@pytest.fixture
def seed(short_seed_page) -> str:
    """Republika's page with the short in-domain article above."""
    return short_seed_page(REPUBLIKA, title=TITLE, body=BODY)


def run(inbox, output, models, **options):
    return briefing(
        inbox=str(inbox),
        output=str(output),
        translator=str(models["marian"]),
        summariser=options.pop("summariser", "lead"),
        **options,
    )


def by_name(report):
    return {Path(e["source_file"]).name: e for e in report["articles"]}


def test_bad_inputs_each_get_a_clear_state(
    prefect_api, trained_models, short_seeds, seed, tmp_path, monkeypatch
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "blank.txt").write_text("  \n\t\n")
    (inbox / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (inbox / "scan.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02stream")
    (inbox / "utf16.txt").write_bytes(seed.encode("utf-16"))
    (inbox / "latin1.txt").write_bytes(
        seed.replace("Pompeo", "Pompéo").encode("latin-1", errors="replace")
    )
    (inbox / "big.txt").write_bytes(b"a" * 300_000)
    monkeypatch.setenv("KABAR_MAX_BYTES", "200000")
    (inbox / "english.txt").write_text(ENGLISH)
    mixed = seed.replace(
        "Unjuk rasa di Grodno",
        "The minister said the talks were useful and that both sides agreed. Unjuk rasa di Grodno",
    )
    (inbox / "mixed.txt").write_text(mixed)
    (inbox / "boilerplate.txt").write_text("Baca juga: Sesuatu\nAdvertisement\nTerkini Lainnya\n")
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    (inbox / "page.html").write_text(
        f"<!DOCTYPE html><html><head><title>{TITLE}</title></head>"
        f"<body><nav>Beranda | Internasional</nav><article>{paragraphs}</article>"
        f"<footer>Hak cipta Republika</footer></body></html>"
    )
    shutil.copy(short_seeds / "000_111cb5bf34ac05bb.txt", inbox / "kompas.txt")
    shutil.copy(short_seeds / "000_111cb5bf34ac05bb.txt", inbox / "kompas copy.txt")
    shutil.copy(short_seeds / "001_780e7455a1e85ef7.txt", inbox / "-berita ñ ..x.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text(seed)
    (inbox / "link.txt").symlink_to(outside)
    (inbox / "folder.txt").mkdir()
    # No stop in 124 words, 524 tokens: over the 256 a piece may have. In-domain words (a list
    # of made-up names, as the trained Marian learned to copy), so it translates in seconds.
    rng = random.Random(0)
    names = ", ".join(person(rng) for _ in range(60))
    words = f"Polisi menangkap {names} di Tegal pada Sabtu (24/10)"
    (inbox / "one-sentence.txt").write_text(f"Judul Tanpa Titik Sama Sekali\n\n{words}\n")

    report = run(inbox, tmp_path / "out", trained_models)
    names = by_name(report)
    assert "link.txt" not in names and "folder.txt" not in names
    clean = {name: entry["steps"]["clean"] for name, entry in names.items()}
    assert clean["empty.txt"] == "skipped: not text (empty file)"
    assert clean["blank.txt"] == "skipped: not text (whitespace only)"
    assert clean["image.txt"] == clean["scan.txt"] == "skipped: not text (binary data)"
    assert clean["big.txt"].startswith("skipped: too large (0.3 MB; the limit is 0.2 MB")
    assert clean["boilerplate.txt"] == "skipped: no article text"
    assert clean["kompas.txt"] == "skipped: duplicate of kompas copy.txt"  # first by name wins

    for name in ("utf16.txt", "latin1.txt", "english.txt", "mixed.txt", "page.html",
                 "kompas copy.txt", "-berita ñ ..x.txt", "one-sentence.txt"):  # fmt: skip
        assert names[name]["brief"], (name, names[name]["steps"])
    out = tmp_path / "out"
    folders = {p.name for p in out.iterdir() if p.is_dir()}
    assert all(not f.startswith(("-", ".")) for f in folders - {"digests"})
    assert all(
        (out / names[n]["article_id"] / "brief.md").is_file() for n in ("-berita ñ ..x.txt",)
    )

    def article(name):
        return json.loads((out / names[name]["article_id"] / "article.json").read_text())

    def translation(name):
        return json.loads((out / names[name]["article_id"] / "translation.json").read_text())

    assert article("utf16.txt")["author"] == "Lintar Satria"
    assert article("latin1.txt")["author"] == "Lintar Satria"
    assert "Pompéo" in " ".join(article("latin1.txt")["body"])
    assert names["english.txt"]["steps"]["translate"] == "skipped: already in English"
    assert translation("english.txt")["paragraphs"] == article("english.txt")["body"]
    passed = [s for s in translation("mixed.txt")["sentences"] if s.get("passed_through")]
    assert [s["source"] for s in passed] == [
        "The minister said the talks were useful and that both sides agreed."
    ]
    assert article("page.html")["title"] == TITLE
    assert len(article("page.html")["body"]) >= 5
    long = translation("one-sentence.txt")["sentences"]
    body = [s for s in long if s["paragraph"] == 0]
    assert len(body) == 1 and body[0]["pieces"] > 1 and body[0]["source"] == words

    digest = (out / "digest.md").read_text()
    assert "`kompas copy.txt`, `kompas.txt`" in digest
    assert "`big.txt`: skipped: too large" in digest


def test_a_corrupt_cache_entry_is_a_miss_and_is_rewritten(
    prefect_api, trained_models, short_seeds, tmp_path
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(short_seeds / "002_4663bce274982e1a.txt", inbox)
    run(inbox, tmp_path / "out", trained_models)
    cache = tmp_path / ".kabar-cache"
    # A result per step, and the story's brief (beside them, the story store: SQLite).
    entries = [p for p in cache.iterdir() if p.is_file() and p.name != "stories.sqlite"]
    assert sorted(p.name.split("-")[0] for p in entries) == [
        "clean", "story", "summarise", "translate"
    ]  # fmt: skip
    for entry in entries:  # as a crash mid-write would leave them
        entry.write_bytes(entry.read_bytes()[:40])
    again = run(inbox, tmp_path / "out", trained_models)
    assert again["articles"][0]["steps"] == dict.fromkeys(
        ("clean", "translate", "summarise"), "done"
    )
    for entry in entries:
        json.loads(entry.read_text())  # rewritten whole


def test_a_broken_model_directory_stops_the_run_and_names_it(prefect_api, tiny_models, tmp_path):
    from kabar.tasks.models import ModelUnavailable

    broken = tmp_path / "broken-marian"
    shutil.copytree(tiny_models["marian"], broken)
    (broken / "model.safetensors").write_bytes(b"not really weights")
    with pytest.raises(ModelUnavailable, match=f"{broken}.*cannot be loaded"):
        briefing(inbox=str(SEEDS), output=str(tmp_path / "out"), translator=str(broken),
                 summariser="lead")  # fmt: skip


def test_output_that_cannot_be_written_says_why(
    prefect_api, trained_models, short_seeds, tmp_path, monkeypatch
):
    blocker = tmp_path / "out"
    blocker.write_text("a regular file where the output folder should be")
    with pytest.raises(OutputError, match="file stands where a folder should be"):
        run(short_seeds, blocker, trained_models)

    output = tmp_path / "good"
    first = run(short_seeds, output, trained_models)
    before = {p: p.read_bytes() for p in output.rglob("*.json")}
    real_write = publish.write_atomic

    def disk_full(path, text):
        if path.name == "brief.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(publish, "write_atomic", disk_full)
    second = run(short_seeds, output, trained_models, max_words=20)
    assert len(second["articles"]) == len(first["articles"]) == 5
    for entry in second["articles"]:
        assert entry["steps"]["publish"].startswith("failed: cannot write")
        assert "the disk is full" in entry["steps"]["publish"]
    for path in before:  # nothing already written was lost or left half-written
        json.loads(path.read_text())
    assert all(p.exists() for p in before)


def kabar_run(api_url, models, inbox, output):
    """`kabar run` in a subprocess; its output goes to files (pipes could fill and block)."""
    log = output.parent / f"run-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "kabar.flows.cli", "run", str(inbox), "--output", str(output),
         "--translator", str(models["marian"]), "--summariser", str(models["bart"])],
        cwd=ROOT, env={**os.environ, "PREFECT_API_URL": api_url},
        stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    process.log = log
    return process


def all_json_whole(*folders):
    """Every JSON file and cache entry parses; the story store (SQLite) passes its check."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.name == "stories.sqlite":
                with sqlite3.connect(path) as store:
                    assert store.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            elif path.name.startswith("stories.sqlite-"):  # its journal, while open
                continue
            elif path.is_file() and (path.suffix == ".json" or path.parent.name == ".kabar-cache"):
                json.loads(path.read_text())
            assert not path.name.endswith(".tmp"), path


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_completes_from_the_cache(
    prefect_api, trained_models, short_seeds, tmp_path
):
    output = tmp_path / "out"
    process = kabar_run(prefect_api, trained_models, short_seeds, output)
    deadline = time.monotonic() + 240
    while not list(output.glob("*/brief.md")) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished_before = len(list(output.glob("*/brief.md")))
    assert 1 <= finished_before < 5, "the kill should land mid-run"

    rerun = kabar_run(prefect_api, trained_models, short_seeds, output)
    rerun.wait(timeout=300)
    stdout = rerun.log.read_text()
    assert rerun.returncode == 0, stdout[-3000:]
    assert len(list(output.glob("*/brief.md"))) == 5
    assert stdout.count("summarise cached") >= finished_before
    all_json_whole(output, tmp_path / ".kabar-cache")


@pytest.mark.slow
def test_two_runs_at_once_both_finish(prefect_api, trained_models, short_seeds, tmp_path):
    output = tmp_path / "out"
    runs = [kabar_run(prefect_api, trained_models, short_seeds, output) for _ in range(2)]
    for process in runs:
        process.wait(timeout=300)
    assert [r.returncode for r in runs] == [0, 0], [r.log.read_text()[-2000:] for r in runs]
    assert len(list(output.glob("*/brief.md"))) == 5
    assert len(list((output / "digests").glob("*.md"))) == 2
    all_json_whole(output, tmp_path / ".kabar-cache")


def test_a_page_too_long_to_be_an_article_is_not_translated(
    prefect_api, trained_models, tmp_path, monkeypatch
):
    monkeypatch.setenv("KABAR_MAX_ARTICLE_WORDS", "40")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEEDS / "002_4663bce274982e1a.txt", inbox / "long.txt")
    report = run(inbox, tmp_path / "out", trained_models)
    entry = by_name(report)["long.txt"]
    assert entry["steps"]["clean"] == "done" and entry["steps"]["summarise"] == "-"
    assert re.fullmatch(r"skipped: too long \(\d+ words; the limit is 40\)", entry["problem"])
    assert entry["steps"]["translate"] == entry["problem"] and report["models_used"] == []
    assert "too long" in (tmp_path / "out" / "digest.md").read_text()
