"""Translation with a real tiny MarianMT on both backends: the trained one, and the
random-weight one made to loop where the guards are tested."""

import pytest

from kabar.tasks import models
from kabar.tasks.brief import describe_translation_flag
from kabar.tasks.translate import (
    BatchTranslator,
    TranslationSettings,
    cut_long,
    find_loop,
    length_problem,
    problem_with,
    translate_article,
)

BACKENDS = ["transformers", "ctranslate2"]


class RecordingTranslator(BatchTranslator):
    """The real translator, remembering what it was asked to translate and how."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[str] = []
        self.safer: list[str] = []

    def translate(self, texts, safer=False):
        (self.safer if safer else self.seen).extend(texts)
        return super().translate(texts, safer)


def make_translator(model_dir, backend, cache, **settings):
    engine = models.engine(models.resolve(str(model_dir)), "marian", backend, cache)
    options = TranslationSettings(backend=backend, beams=1, max_batch_tokens=256, **settings)
    return RecordingTranslator(engine, options)


@pytest.fixture(params=BACKENDS)
def translator(request, trained_models, engine_cache):
    # The trained Marian; guards off: they are tested on their own, below, with a model made
    # to loop (these inputs are outside its domain, where it may loop too).
    return make_translator(trained_models["marian"], request.param, engine_cache, guards=False)


def test_every_sentence_of_every_paragraph_reaches_the_model(translator):
    article = {
        "title": "Presiden Belarus Akan ke Rusia",
        "body": [
            "Kremlin mengatakan Presiden akan berbicara. Kunjungan ini dilakukan hari Senin.",
            "Ia tinggal di Jl. Sudirman No. 5 Jakarta. Rumahnya besar. Itu benar.",
        ],
    }
    result = translate_article(article, translator)
    assert sorted(translator.seen) == sorted(
        [
            "Presiden Belarus Akan ke Rusia",
            "Kremlin mengatakan Presiden akan berbicara.",
            "Kunjungan ini dilakukan hari Senin.",
            "Ia tinggal di Jl. Sudirman No. 5 Jakarta.",
            "Rumahnya besar.",
            "Itu benar.",
        ]
    )
    assert len(result["paragraphs"]) == 2
    assert [s["paragraph"] for s in result["sentences"]] == [-1, 0, 0, 1, 1, 1]
    assert all(s["english"] for s in result["sentences"])
    assert result["engine"] == translator.engine.name


def test_batches_put_back_in_order(translator):
    texts = ["Satu.", "Kalimat yang jauh lebih panjang dari yang lain di sini.", "Dua tiga."]
    english = translator.translate(texts)
    alone = [translator.translate([t])[0] for t in texts]
    assert len(set(alone)) == 3
    # Greedy decoding of the same input: the batched output (allowed more new tokens, since
    # the batch's longest input sets the length) continues the output of the text alone.
    assert all(batched.startswith(single) for batched, single in zip(english, alone))


def test_a_2000_token_sentence_is_cut_and_every_token_reaches_the_model(translator):
    translator.settings = TranslationSettings(
        **{**translator.settings.to_dict(), "output_tokens": 6}
    )
    words = [f"kata{i % 97}" for i in range(700)]
    sentence = " ".join(", ".join(words[i : i + 7]) for i in range(0, 700, 7)) + "."
    assert translator.count_tokens(sentence) > 2000
    result = translate_article({"title": "", "body": [sentence]}, translator)
    pieces = list(translator.seen)
    assert len(pieces) > 1
    assert all(translator.count_tokens(p) <= translator.settings.max_piece_tokens for p in pieces)
    assert " ".join(pieces) == sentence  # every token, in order, none twice
    assert result["sentences"][0]["pieces"] == len(pieces)
    # The pieces' outputs come back joined in order.
    alone = [translator.translate([p])[0] for p in pieces]
    english = result["sentences"][0]["english"]
    positions = [english.find(a[:20]) for a in alone]
    assert -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_looping_model_is_caught_retried_and_flagged(looping_marian, engine_cache, backend):
    translator = make_translator(looping_marian, backend, engine_cache)
    sentence = "Presiden Rusia Vladimir Putin menawarkan bantuan militer kepada Belarus."
    result = translate_article({"title": "", "body": [sentence]}, translator)
    assert find_loop(translator.translate([sentence])[0]) == "Rusia"  # it does loop
    assert sentence in translator.safer  # retried with safer decoding
    [flag] = result["flags"]
    assert flag["sentence"] == 0 and flag["source"] == sentence
    assert "repetition loop" in flag["problem"] and "safer decoding" in flag["action"]
    # `resolved` says whether the English finally kept is free of the problem, and the brief
    # says the same in words.
    final = result["sentences"][0]["english"]
    assert flag["resolved"] == (problem_with(sentence, final, translator.settings) is None)
    assert describe_translation_flag(flag).endswith(
        "(fixed)." if flag["resolved"] else "(still doubtful)."
    )


def test_cut_long_prefers_clause_boundaries():
    count = lambda text: len(text.split())  # noqa: E731
    pieces = cut_long("satu dua tiga, empat lima enam, tujuh delapan", count, 4)
    assert pieces == ["satu dua tiga,", "empat lima enam,", "tujuh delapan"]
    # A clause longer than the limit is cut by a word window.
    assert cut_long("a b c d e f g", count, 3) == ["a b c", "d e f", "g"]


@pytest.mark.parametrize(
    "text, unit",
    [
        ("I'm sorry I'm sorry I'm sorry I'm sorry I'm sorry", "I'm sorry"),
        ("He was poor, poor, poor, poor, poor.", "poor,"),
        ("Afrikalaklaklaklaklak", "lak"),
        ("The minister paid Rp 1.000.000.000.000 to 10000000 people.", None),
        ("He said very, very clearly: ha ha ha.", None),
        ("The police said the army said the court said.", None),
    ],
)
def test_find_loop(text, unit):
    assert find_loop(text) == unit


def test_length_guard():
    settings = TranslationSettings()
    source = "Presiden Belarus Alexander Lukashenko berbicara dengan Menlu AS."
    assert (
        length_problem(source, "Belarusian President spoke with the US Secretary.", settings)
        is None
    )
    assert "shorter" in length_problem(source, "Yes.", settings)
    assert "longer" in length_problem(source, "word " * 80, settings)
    assert length_problem("Ya.", "Yes, that is certainly right.", settings) is None
