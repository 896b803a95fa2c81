"""Summaries: the whole article reaches the model, the brief respects the word limit."""

import pytest

from kabar.tasks import models
from kabar.tasks.sentences import split_sentences
from kabar.tasks.summarise import (
    MAX_REDUCE_ROUNDS,
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
    assert result["covered_parts"] == result["parts"]  # a model that shortens: no shortcut
    assert not [flag for flag in result["flags"] if "parts" in flag]


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


# ---- Map-reduce with summarisers that do not shorten --------------------------------------


class StandInSummariser:
    """What summarise_article needs of a summariser, counting words as tokens; `rewrite`
    is what it does to each text. Records every call."""

    def __init__(self, input_cap, rewrite):
        self.input_cap = input_cap
        self.rewrite = rewrite
        self.calls: list[list[str]] = []

    def count_tokens(self, text):
        return len(text.split())

    def summarise(self, texts):
        self.calls.append(list(texts))
        return [self.rewrite(text) for text in texts]


def echo(text):
    return text  # never shortens


def first_sentence(text):
    return split_sentences(text)[0]


def article(parts_wanted, cap):
    """Paragraphs whose sentences (10 words each) pack into `parts_wanted` parts under `cap`
    words; each sentence names its part and its position there, so tests see what was kept."""
    per_part = cap // 10
    sentences = [
        f"In part {part} sentence {i} the minister spoke about roads."
        for part in range(parts_wanted)
        for i in range(per_part)
    ]
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    return {"title": "", "paragraphs": paragraphs}, sentences


def parts_of(sentences, summariser):
    return pack_sentences(sentences, summariser.count_tokens, summariser.input_cap - 2)


SETTINGS = SummarySettings(max_words=2000, unfaithful="flag")


def test_a_summariser_that_never_shortens_still_covers_every_part_and_says_how():
    summariser = StandInSummariser(input_cap=202, rewrite=echo)
    translation, sentences = article(parts_wanted=5, cap=200)
    parts = parts_of(sentences, summariser)
    assert len(parts) == 5

    result = summarise_article(translation, summariser, SETTINGS)

    final_input = summariser.calls[-1]
    assert len(final_input) == 1 and len(final_input[0].split()) <= 200
    for part in parts:  # the opening of every part reached the final summary
        assert split_sentences(part)[0] in final_input[0]
        assert split_sentences(part)[0] in result["summary"]
    assert result["parts"] == result["covered_parts"] == 5
    assert result["flags"] == [
        "the summariser did not shorten the text enough to summarise all 5 parts of the "
        "article together, so the summary was written from the opening sentences of their "
        "partial summaries (all 5 parts are covered)"
    ]
    assert len(summariser.calls) == 2  # one round showed it does not shorten: no more


def test_when_not_even_the_openings_fit_the_flag_says_exactly_what_was_left_out():
    summariser = StandInSummariser(input_cap=62, rewrite=echo)
    translation, sentences = article(parts_wanted=12, cap=60)
    parts = parts_of(sentences, summariser)
    assert len(parts) == 12

    result = summarise_article(translation, summariser, SETTINGS)

    covered = result["covered_parts"]
    assert 1 <= covered < 12
    final_input = summariser.calls[-1][0]
    assert len(final_input.split()) <= 60
    for index in range(len(parts)):  # the parts said to be covered are there, the rest not
        assert (f"In part {index} " in final_input) == (index < covered)
    words = [len(part.split()) for part in parts]
    percent = 100 * sum(words[:covered]) // sum(words)
    assert result["flags"] == [
        f"the summary covers only the first {covered} of the article's 12 parts "
        f"(about {percent}% of its text), from their opening sentences: the summariser did not "
        "shorten the article enough to fit the rest"
    ]


def test_a_summariser_that_shortens_covers_every_part_with_no_flag():
    summariser = StandInSummariser(input_cap=62, rewrite=first_sentence)
    translation, sentences = article(parts_wanted=12, cap=60)

    result = summarise_article(translation, summariser, SETTINGS)

    assert " ".join(summariser.calls[0]) == " ".join(sentences)  # every part was summarised
    assert result["parts"] == result["covered_parts"] == 12
    assert result["flags"] == []
    assert result["summary"] == "In part 0 sentence 0 the minister spoke about roads."


def test_a_summariser_that_lengthens_its_input_stops_after_one_round_and_says_so():
    summariser = StandInSummariser(input_cap=202, rewrite=lambda text: f"{text} It grew.")
    translation, sentences = article(parts_wanted=3, cap=200)

    result = summarise_article(translation, summariser, SETTINGS)

    assert len(summariser.calls) == 2
    assert (
        result["covered_parts"] == 3
        and "opening sentences of their partial summaries" in result["flags"][0]
    )


def halve(text):
    words = text.split()
    return " ".join(words[: len(words) // 2])


def test_reduce_rounds_are_capped_and_the_last_pieces_still_all_reach_the_summary():
    summariser = StandInSummariser(input_cap=102, rewrite=halve)
    translation, sentences = article(parts_wanted=70, cap=100)  # 70 -> 35 -> 18 -> 9 -> 5 -> 3

    result = summarise_article(translation, summariser, SETTINGS)

    assert len(summariser.calls) == MAX_REDUCE_ROUNDS + 1  # the rounds, then the summary
    assert result["rounds"] == MAX_REDUCE_ROUNDS + 1
    assert result["parts"] == result["covered_parts"] == 70
    assert "opening sentences of their partial summaries" in result["flags"][0]
