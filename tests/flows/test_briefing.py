"""The flow on the seeds' pages (their headers and footers, short bodies from the trained
models' domain: conftest.short_seed) with the tiny trained models, on the session's Prefect
server. The random-weight T5, chat model and a second BART stand in where a test needs
another summariser."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from kabar.flows import steps
from kabar.flows.briefing import briefing
from kabar.tasks.models import ModelUnavailable, resolve

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ARTICLE_FILES = {
    "article.json",
    "translation.json",
    "translation.md",
    "brief.json",
    "brief.md",
    "steps.json",
}


@pytest.fixture
def models(trained_models, tiny_models) -> dict[str, Path]:
    """The trained Marian and BART; the random-weight BART, T5 and chat model as others."""
    return {
        "marian": trained_models["marian"],
        "bart": trained_models["bart"],
        "bart_other": tiny_models["bart"],
        "t5": tiny_models["t5"],
        "chat": tiny_models["chat"],
    }


def run(tmp_path, models, summariser="bart", **options):
    return briefing(
        inbox=str(options.pop("inbox")),
        output=str(tmp_path / "out"),
        translator=str(models["marian"]),
        summariser=str(models[summariser]) if summariser in models else summariser,
        **options,
    )


def states(report, step):
    return [entry["steps"][step] for entry in report["articles"]]


def test_seeds_are_briefed_then_a_rerun_is_all_cache_hits(
    prefect_api, models, short_inbox, tmp_path
):
    inbox = short_inbox()
    first = run(tmp_path, models, inbox=inbox)
    assert len(first["articles"]) == 5
    for step in ("clean", "translate", "summarise"):
        assert states(first, step) == ["done"] * 5
    assert first["models_used"] == sorted([str(models["marian"]), str(models["bart"])])

    out = tmp_path / "out"
    for entry in first["articles"]:
        folder = out / entry["article_id"]
        assert {p.name for p in folder.iterdir()} == ARTICLE_FILES
        article = json.loads((folder / "article.json").read_text())
        assert {"title", "published", "author", "outlet", "dateline", "agency", "body"} <= set(
            article
        )
        assert article["body"] and all(isinstance(p, str) for p in article["body"])
        translation = json.loads((folder / "translation.json").read_text())
        assert len(translation["paragraphs"]) == len(article["body"])
        brief = json.loads((folder / "brief.json").read_text())
        assert brief["title_id"] == article["title"] and brief["summary"]
        markdown = (folder / "brief.md").read_text()
        assert markdown.startswith("# ")
        # every seed is dated, in Jakarta's time, and says so: '2020-08-17 09:53 WIB'
        assert f"- **Published:** {article['published'][:10]} " in markdown, markdown
        assert " WIB\n- **Outlet:**" in markdown
    digest = (out / "digest.md").read_text()
    assert digest.count("🆕") == 5 and len(list((out / "digests").glob("*.md"))) == 1

    shutil.rmtree(out)  # deleted outputs come back from the cache
    time.sleep(0.01)  # distinct digest names
    second = run(tmp_path, models, inbox=inbox)
    for step in ("clean", "translate", "summarise"):
        assert states(second, step) == ["cached"] * 5
    assert second["models_used"] == []
    assert all((out / e["article_id"] / "brief.md").is_file() for e in second["articles"])
    assert "🆕" not in (out / "digest.md").read_text()


def test_changing_the_summariser_reuses_every_translation(
    prefect_api, models, short_inbox, tmp_path
):
    inbox = short_inbox(3)
    run(tmp_path, models, inbox=inbox)
    other = run(tmp_path, models, summariser="bart_other", inbox=inbox)
    assert states(other, "translate") == ["cached"] * 3
    assert states(other, "summarise") == ["done"] * 3
    assert other["models_used"] == [str(models["bart_other"])]

    lead = run(tmp_path, models, summariser="lead", inbox=inbox)
    assert states(lead, "translate") == ["cached"] * 3
    assert lead["models_used"] == []
    brief = lead["articles"][0]["brief"]
    assert brief["models"]["summariser"]["name"] == "lead"


def test_refresh_recomputes_every_step(prefect_api, models, short_inbox, tmp_path):
    inbox = short_inbox(3)
    run(tmp_path, models, summariser="lead", inbox=inbox)
    again = run(tmp_path, models, summariser="lead", refresh=True, inbox=inbox)
    for step in ("clean", "translate", "summarise"):
        assert states(again, step) == ["done"] * 3


def test_a_broken_article_does_not_stop_the_others(
    prefect_api, models, short_inbox, tmp_path, monkeypatch
):
    inbox = short_inbox()
    (inbox / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (inbox / "boilerplate.txt").write_text("Baca juga: Sesuatu\nAdvertisement\nTerkini Lainnya\n")

    real = steps.translate_article

    def fails_on_elshinta(article, engine):  # a fault injected into one article only
        if article["outlet"] == "Elshinta":
            raise RuntimeError("the translator broke on this article")
        return real(article, engine)

    monkeypatch.setattr(steps, "translate_article", fails_on_elshinta)
    report = run(tmp_path, models, summariser="lead", inbox=inbox)
    by_name = {Path(e["source_file"]).name: e for e in report["articles"]}
    assert by_name["photo.txt"]["steps"]["clean"] == "skipped: not text (binary data)"
    assert by_name["boilerplate.txt"]["steps"]["clean"] == "skipped: no article text"
    broken = by_name["004_e66f095ecd421a71.txt"]
    assert broken["steps"]["translate"] == "failed: the translator broke on this article"
    assert broken["steps"]["summarise"] == "-" and broken["brief"] is None
    briefed = [e for e in report["articles"] if e["brief"]]
    assert len(briefed) == 4
    digest = (tmp_path / "out" / "digest.md").read_text()
    assert "the translator broke on this article" in digest and "photo.txt" in digest


def test_ctranslate2_backend_converts_once_and_caches_apart(
    prefect_api, models, short_inbox, tmp_path, monkeypatch
):
    # As in a new process: no engine loaded yet (another test in this worker may have
    # loaded these models' ctranslate2 engines, converted into its own cache).
    from kabar.tasks import models as loading

    monkeypatch.setattr(loading, "_loaded", {})
    inbox = short_inbox(3)
    plain = run(tmp_path, models, summariser="lead", inbox=inbox)
    fast = run(tmp_path, models, backend="ctranslate2", inbox=inbox)
    # Another engine gives other (int8) output: its translations are cached apart.
    assert states(fast, "translate") == ["done"] * 3
    assert states(plain, "translate") == ["done"] * 3
    for entry in fast["articles"]:
        translation = tmp_path / "out" / entry["article_id"] / "translation.json"
        assert json.loads(translation.read_text())["engine"] == "ctranslate2"
    converted = list((tmp_path / ".kabar-cache" / "ctranslate2").iterdir())
    assert len(converted) == 2 and all((c / "model.bin").is_file() for c in converted)
    again = run(tmp_path, models, backend="ctranslate2", inbox=inbox)
    assert states(again, "summarise") == ["cached"] * 3
    assert len(list((tmp_path / ".kabar-cache" / "ctranslate2").iterdir())) == 2


def test_a_file_still_being_written_waits_for_the_next_run(
    prefect_api, models, short_seeds, tmp_path, monkeypatch
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(next(short_seeds.glob("000_*.txt")), inbox / "old.txt")
    os.utime(inbox / "old.txt", (time.time() - 60, time.time() - 60))
    shutil.copy(next(short_seeds.glob("001_*.txt")), inbox / "fresh.txt")
    monkeypatch.setenv("KABAR_SETTLE_SECONDS", "30")
    report = run(tmp_path, models, summariser="lead", inbox=inbox)
    assert [Path(e["source_file"]).name for e in report["articles"]] == ["old.txt"]
    assert report["waiting"] == [str(inbox / "fresh.txt")]


@pytest.mark.parametrize("name", ["Helsinki-NLP/opus-mt-id-en", "/nonexistent/model/dir"])
def test_missing_model_fails_at_once_with_advice(prefect_api, tmp_path, name):
    with pytest.raises(ModelUnavailable) as error:
        briefing(inbox=str(SEEDS), output=str(tmp_path / "out"), translator=name, summariser="lead")
    assert name in str(error.value)
    assert not (tmp_path / "out").exists()
    # At once: well under the 48 s the hub client spends retrying offline. Timed on the lookup
    # alone (uncached), since a flow run's start on a fresh, loaded machine took a minute once.
    started = time.monotonic()
    with pytest.raises(ModelUnavailable):
        resolve.__wrapped__(name)
    assert time.monotonic() - started < 30


def test_instruction_summarisers_and_their_prompt_in_the_cache_key(
    prefect_api, models, short_seeds, tmp_path, monkeypatch
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(next(short_seeds.glob("002_*.txt")), inbox)
    for name in ("t5", "chat"):
        report = run(tmp_path, models, summariser=name, inbox=inbox)
        [entry] = report["articles"]
        assert entry["steps"]["summarise"] == "done" and entry["brief"]["summary"]
        assert entry["brief"]["models"]["summariser"]["name"] == str(models[name])

    template = tmp_path / "brief.md"
    template.write_text("In two sentences, summarise this {outlet} article:\n\n{text}\n")
    monkeypatch.setenv("KABAR_PROMPT", str(template))
    edited = run(tmp_path, models, summariser="t5", inbox=inbox)
    assert states(edited, "summarise") == ["done"]  # a new prompt, a new summary
    bart = run(tmp_path, models, summariser="bart", inbox=inbox)
    again = run(tmp_path, models, summariser="bart", inbox=inbox)
    assert states(bart, "summarise") == ["done"] and states(again, "summarise") == ["cached"]
    monkeypatch.setenv("KABAR_PROMPT", str(tmp_path / "other.md"))
    (tmp_path / "other.md").write_text("Summarise: {text}")
    assert states(run(tmp_path, models, summariser="bart", inbox=inbox), "summarise") == [
        "cached"
    ]  # a summarisation model reads no prompt: editing it redoes nothing there


def test_prefect_sees_each_articles_own_chain_of_steps(
    prefect_api, models, short_inbox, tmp_path, assert_each_article_chained
):
    """The UI's run graph: each task run is named by step and article, and linked to its own
    article's previous step and to nothing else."""
    inbox = short_inbox(3)
    state = run(tmp_path, models, summariser="lead", inbox=inbox, return_state=True)
    assert_each_article_chained(state)
