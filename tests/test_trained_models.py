"""Meaning, end to end, with the tiny trained models (scripts/trained_models.py).

The articles are written from sentence templates held out of training (scripts/trained_data.py
HELD_OUT), with people and places of the word list and numbers of their own: sentences the
models never saw, whose facts must come through translation and summary.
"""

import json
import random
import re

import pytest
from trained_data import (
    HELD_OUT,
    HELD_OUT_TITLES,
    TEMPLATES,
    TITLES,
    fill,
    frame,
    parallel,
    phrase_soup,
)
from trained_models import MARIAN

from kabar.flows.briefing import briefing
from kabar.tasks import models
from kabar.tasks.engines import Decoding
from kabar.tasks.sentences import split_sentences


def held_out(template: tuple[str, str], **slots) -> tuple[str, str]:
    """A held-out template with every slot given: (Indonesian, English)."""
    given = {
        name: value if isinstance(value, tuple) else (value, value) for name, value in slots.items()
    }
    return fill(template, random.Random(0), **given)


def on(day_id: str, day_en: str, stamp: str) -> tuple[str, str]:
    return f"pada {day_id} ({stamp})", f"on {day_en} ({stamp})"


# Each article: a title, paragraphs of sentences, and the facts that must come through:
# `facts` in the translation, `lead` (the title's and first sentence's) in the brief.
ARTICLES = {
    "tegal.txt": dict(
        dateline="TEGAL",
        title=held_out(HELD_OUT_TITLES[0], p="Budi Santoso", place="Tegal"),
        paragraphs=[
            [
                held_out(HELD_OUT[1], p="Budi Santoso", place="Tegal",
                         day=on("Sabtu", "Saturday", "24/10")),
                held_out(HELD_OUT[2], place="Tegal", n="2,5", day=on("Jumat", "Friday", "23/10")),
            ],
            [held_out(HELD_OUT[6], big=("350 ribu", "350 thousand"), place="Brebes",
                      day=on("Minggu", "Sunday", "25/10"))],
        ],
        lead=["Budi Santoso", "Tegal", "24/10"],
        facts=["Budi Santoso", "Tegal", "24/10", "2,5", "23/10", "350", "Brebes", "25/10"],
    ),
    "pekalongan.txt": dict(
        dateline="PEKALONGAN",
        title=held_out(HELD_OUT_TITLES[1], n="1.250", place="Pekalongan"),
        paragraphs=[
            [held_out(HELD_OUT[3], role=("Bupati Pekalongan", "Pekalongan Regent"),
                      p="Hendra Gunawan", n="12", place="Pekalongan")],
            [held_out(HELD_OUT[5], p="Rudi Hartanto", place="Batang")],
        ],
        lead=["1.250", "Pekalongan", "Hendra Gunawan", "12"],
        facts=["1.250", "Pekalongan", "Hendra Gunawan", "12", "Rudi Hartanto", "Batang"],
    ),
    "medan.txt": dict(
        dateline="MEDAN",
        title=held_out(HELD_OUT_TITLES[0], p="Sergei Ivanov", place="Medan"),
        paragraphs=[
            [held_out(HELD_OUT[4], place="Medan", p="Sergei Ivanov",
                      day=on("Rabu", "Wednesday", "11/3"))],
            [held_out(HELD_OUT[2], place="Binjai", n="7.500", day=on("Kamis", "Thursday", "12/3"))],
        ],
        lead=["Sergei Ivanov", "Medan", "11/3"],
        facts=["Sergei Ivanov", "Medan", "11/3", "Binjai", "7.500", "12/3"],
    ),
}  # fmt: skip

# A place named over and over: the trained model copies places, so it repeats it too.
LOOPING = "Tegal, Tegal, Tegal, Tegal, Tegal, Tegal, Tegal, Tegal."


def page(title: str, dateline: str, paragraphs: list[str]) -> str:
    """An article page as Kompas prints it (what the cleaner reads)."""
    body = "\n\n".join(paragraphs)
    return (
        f"{title}\n\nKompas.com - 26/10/2020, 18:43 WIB\nPenulis: Tim Kabar\n\n"
        f"{dateline}, KOMPAS.com - {body}\n"
    )


def write_inbox(folder):
    folder.mkdir(parents=True)
    for name, article in ARTICLES.items():
        paragraphs = [" ".join(s for s, _ in paragraph) for paragraph in article["paragraphs"]]
        (folder / name).write_text(page(article["title"][0], article["dateline"], paragraphs))
    opening = held_out(
        HELD_OUT[1], p="Agus Salimin", place="Cianjur", day=on("Senin", "Monday", "2/11")
    )
    (folder / "looping.txt").write_text(
        page("Polisi Tangkap Agus Salimin", "CIANJUR", [opening[0], LOOPING])
    )
    return folder


def test_no_training_sentence_is_a_held_out_one():
    def frames(template: str) -> set[str]:  # with and without its day, as training drops it
        return {frame(template), frame(template.replace(" {day}", ""))}

    trained = set().union(*(frames(t) for t, _ in TEMPLATES + TITLES))
    soups = [frame(phrase_soup(random.Random(seed))[0]) for seed in range(5000)]
    for template, _ in HELD_OUT + HELD_OUT_TITLES:
        assert not frames(template) & trained, template
        assert not any(frame(template) in soup for soup in soups), template
    sources = {source for source, _ in parallel(MARIAN["pairs"])}
    written = {s for article in ARTICLES.values() for p in article["paragraphs"] for s, _ in p}
    assert not written & sources


def mentions(text: str, fact: str) -> bool:
    """`fact` as a whole word or number of `text` ('2,5' is not in '2,55')."""
    return re.search(rf"(?<![\w.,]){re.escape(fact)}(?![\w]|[.,]\d)", text) is not None


@pytest.fixture(scope="module")
def briefed(prefect_api, trained_models, tmp_path_factory):
    """The real flow, run once on the held-out articles and the looping one: the output
    folder of each article, by file name."""
    folder = tmp_path_factory.mktemp("trained")
    report = briefing(
        inbox=str(write_inbox(folder / "inbox")), output=str(folder / "out"),
        translator=str(trained_models["marian"]), summariser=str(trained_models["bart"]),
    )  # fmt: skip
    done = {"clean": "done", "translate": "done", "summarise": "done"}
    assert [entry["steps"] for entry in report["articles"]] == [done] * (len(ARTICLES) + 1)
    return {
        entry["source_file"].rsplit("/", 1)[-1]: folder / "out" / entry["article_id"]
        for entry in report["articles"]
    }


def read(folder, name: str) -> dict:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def test_no_guard_fires_on_held_out_articles_and_the_brief_is_the_lead(briefed):
    for name in ARTICLES:
        translation, brief = (
            read(briefed[name], "translation.json"),
            read(briefed[name], "brief.json"),
        )
        assert translation["flags"] == [], (name, translation["flags"])
        # The summariser wrote the translation's first sentence, so nothing is doubted.
        first = split_sentences(translation["paragraphs"][0])[0]
        assert brief["summary"] == first, (name, brief["summary"], first)
        assert brief["flags"] == [], (name, brief["flags"])


def test_the_guards_fire_on_an_input_made_to_loop(briefed):
    translation = read(briefed["looping.txt"], "translation.json")
    assert [flag["source"] for flag in translation["flags"]] == [LOOPING]
    assert translation["flags"][0]["problem"] == "repetition loop ('Tegal,' repeated)"


def test_the_brief_carries_the_article_s_people_places_and_numbers(briefed):
    for name, article in ARTICLES.items():
        translation, brief = (
            read(briefed[name], "translation.json"),
            read(briefed[name], "brief.json"),
        )
        english = " ".join([translation["title"], *translation["paragraphs"]])
        for fact in article["facts"]:
            assert mentions(english, fact), (name, fact, english)
        for fact in article["lead"]:
            assert mentions(f"{brief['headline']} {brief['summary']}", fact), (name, fact, brief)


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_both_backends_translate_and_summarise(trained_models, engine_cache, backend):
    marian = models.engine(
        models.resolve(str(trained_models["marian"])), "marian", backend, engine_cache
    )
    sentence = ARTICLES["tegal.txt"]["paragraphs"][0][0][0]  # Polisi menangkap Budi Santoso ...
    english = marian.generate([sentence], Decoding(beams=4, max_new_tokens=96))[0]
    # ctranslate2's int8 weights garble the name a little more than transformers' float32.
    assert "in Tegal on Saturday (24/10)." in english, english

    bart = models.engine(
        models.resolve(str(trained_models["bart"])), "seq2seq", backend, engine_cache
    )
    first = "Police arrested Budi Santoso in Tegal on Saturday (24/10)."
    rest = "Fuel prices in Tegal rose 2,5 percent on Friday (23/10). The protest was peaceful."
    summary = bart.generate([f"{first} {rest}"], Decoding(beams=4, max_new_tokens=64))[0]
    assert summary == first
