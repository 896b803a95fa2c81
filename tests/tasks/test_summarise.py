"""Summaries: the whole article reaches the model, the brief respects the word limit."""

import pytest

from kabar.tasks import models
from kabar.tasks.summarise import (
    Seq2SeqSummariser,
    SummarySettings,
    pack_sentences,
    summarise_article,
    trim_to_words,
)


class RecordingSummariser(Seq2SeqSummariser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[list[str]] = []

    def summarise(self, texts):
        self.calls.append(list(texts))
        return super().summarise(texts)


@pytest.fixture(params=["transformers", "ctranslate2"])
def summariser(request, tiny_models, engine_cache):
    ref = models.resolve(str(tiny_models["bart"]))
    engine = models.engine(ref, "seq2seq", request.param, engine_cache)
    settings = SummarySettings(beams=1, max_new_tokens=20, min_new_tokens=5)
    return RecordingSummariser(engine, settings, models.input_cap(ref))


def test_article_three_times_the_cap_reaches_the_model_from_start_to_end(summariser):
    sentences = [f"Sentence number {i} says the president met minister {i}." for i in range(400)]
    paragraphs = [" ".join(sentences[i : i + 10]) for i in range(0, 400, 10)]
    total = summariser.count_tokens(" ".join(paragraphs))
    assert total > 3 * summariser.input_cap

    result = summarise_article({"paragraphs": paragraphs}, summariser, summariser.settings)
    first_round = summariser.calls[0]
    assert len(first_round) == result["parts"] >= 3
    assert " ".join(first_round) == " ".join(sentences)  # beginning to end, in order
    assert all(summariser.count_tokens(p) <= summariser.input_cap for p in first_round)
    assert len(summariser.calls) >= 2  # the partial summaries were summarised again
    assert len(result["summary"].split()) <= summariser.settings.max_words + 1
    assert result["summary"]
    assert result["summary"]


def test_pack_sentences_keeps_all_text_under_the_cap():
    count = lambda text: len(text.split())  # noqa: E731
    sentences = ["a b c.", "d e.", "f g h i j k l m n o."]
    parts = pack_sentences(sentences, count, 5)
    assert " ".join(parts) == " ".join(sentences)
    assert all(count(p) <= 5 for p in parts)


def test_trim_to_words_stops_at_a_sentence_boundary():
    text = "One two three. Four five six seven. Eight."
    assert trim_to_words(text, 5) == ("One two three.", False)
    assert trim_to_words(text, 7) == ("One two three. Four five six seven.", False)
    assert trim_to_words("one two three four", 2) == ("one two …", True)


def test_lead_needs_no_model():
    result = summarise_article(
        {"paragraphs": ["First sentence here. Second one.", "Third."]},
        None,
        SummarySettings(max_words=4),
    )
    assert result["summary"] == "First sentence here."


SOURCE = (
    "Belarusian President Alexander Lukashenko said on Monday that 200,000 people protested "
    "in Minsk on 16 August 2020. Russia offered military help."
)


def test_faithfulness_check_names_what_the_translation_does_not_say():
    from kabar.tasks.faithfulness import unsupported_facts

    assert unsupported_facts("Lukashenko said 200,000 people protested in Minsk.", SOURCE) == []
    assert unsupported_facts("The president said 300,000 marched in Moscow.", SOURCE) == [
        "300,000",
        "Moscow",
    ]


class InventingEngine:
    """A stand-in summariser that invents a figure: the check under test is downstream."""

    name = "inventing"

    def count_tokens(self, text):
        return len(text.split())

    def generate(self, texts, decoding):
        return ["Lukashenko said 900 tanks entered Warsaw."] * len(texts)


@pytest.mark.parametrize("policy", ["flag", "lead"])
def test_an_unfaithful_summary_is_flagged_or_replaced(policy):
    settings = SummarySettings(unfaithful=policy)
    summariser = Seq2SeqSummariser(InventingEngine(), settings, input_cap=1024)
    result = summarise_article({"title": "", "paragraphs": [SOURCE]}, summariser, settings)
    [flag] = result["flags"]
    assert "900" in flag and "Warsaw" in flag
    if policy == "lead":
        assert result["summary"].startswith("Belarusian President") and "replaced" in flag
    else:
        assert result["summary"] == "Lukashenko said 900 tanks entered Warsaw."


@pytest.mark.parametrize("name, kind", [("bart", "summarisation"), ("t5", "instruct"),
                                        ("chat", "chat")])  # fmt: skip
def test_the_kind_of_summariser_comes_from_its_config(tiny_models, name, kind):
    assert models.summariser_kind(models.resolve(str(tiny_models[name]))) == kind


@pytest.mark.parametrize("name, model_kind", [("t5", "seq2seq"), ("chat", "causal")])
def test_instruction_models_get_the_filled_prompt_with_every_part(tiny_models, name, model_kind):
    from kabar.tasks.settings import resolve
    from kabar.tasks.summarise import render_prompt

    ref = models.resolve(str(tiny_models[name]))
    engine = models.engine(ref, model_kind, "transformers", "/nonexistent")
    seen = []
    real_generate = engine.generate

    def recording(texts, decoding):
        seen.extend(texts)
        return real_generate(texts, decoding)

    engine.generate = recording
    meta = {"title": "Belarus and Russia", "date": "2020-10-25", "outlet": "Republika"}
    prompt = render_prompt(resolve().prompt_template(), meta)
    settings = SummarySettings(beams=1, max_new_tokens=8, min_new_tokens=2)
    summariser = Seq2SeqSummariser(engine, settings, models.input_cap(ref) - 8, prompt)
    sentences = [f"Sentence {i} says minister {i} met the president." for i in range(150)]
    result = summarise_article({"paragraphs": sentences}, summariser, settings)
    first_round = seen[: result["parts"]]
    assert result["parts"] >= 2  # longer than the cap left beside the prompt
    for text in seen:
        assert "Title: Belarus and Russia" in text and "Outlet: Republika" in text
        assert "{text}" not in text and "{title}" not in text
    body = " ".join(t.split("Outlet: Republika\n\n", 1)[1].strip() for t in first_round)
    assert body == " ".join(sentences)
