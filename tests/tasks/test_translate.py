"""Translation with a real (tiny, random-weight) MarianMT: every word reaches the model."""

import pytest

from tasks import models
from tasks.translate import MarianTranslator, TranslationSettings, cut_long, translate_article


class RecordingTranslator(MarianTranslator):
    """The real translator, remembering what it was asked to translate."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[str] = []

    def translate(self, texts):
        self.seen.extend(texts)
        return super().translate(texts)


@pytest.fixture(scope="module")
def translator(tiny_models):
    tokenizer, model = models.load(models.resolve(str(tiny_models["marian"])), "marian")
    return RecordingTranslator(tokenizer, model, TranslationSettings(beams=1, max_batch_tokens=256))


def test_every_sentence_of_every_paragraph_reaches_the_model(translator):
    article = {
        "title": "Presiden Belarus Akan ke Rusia",
        "body": [
            "Kremlin mengatakan Presiden akan berbicara. Kunjungan ini dilakukan hari Senin.",
            "Ia tinggal di Jl. Sudirman No. 5 Jakarta. Rumahnya besar. Itu benar.",
        ],
    }
    translator.seen.clear()
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
    assert all(isinstance(s["english"], str) for s in result["sentences"])


def test_batches_put_back_in_order(translator):
    texts = ["Satu.", "Kalimat yang jauh lebih panjang dari yang lain di sini.", "Dua tiga."]
    english = translator.translate(texts)
    alone = [translator.translate([t])[0] for t in texts]
    assert len(set(alone)) == 3
    # Greedy decoding of the same input: the batched output (allowed more new tokens, since
    # the batch's longest input sets the length) continues the output of the text alone.
    assert all(batched.startswith(single) for batched, single in zip(english, alone))


def test_a_2000_token_sentence_is_cut_and_every_token_reaches_the_model(translator):
    words = [f"kata{i % 97}" for i in range(700)]
    sentence = " ".join(", ".join(words[i : i + 7]) for i in range(0, 700, 7)) + "."
    assert translator.count_tokens(sentence) > 2000
    translator.seen.clear()
    result = translate_article({"title": "", "body": [sentence]}, translator)
    pieces = translator.seen
    assert len(pieces) > 1
    assert all(translator.count_tokens(p) <= translator.settings.max_piece_tokens for p in pieces)
    assert " ".join(pieces) == sentence  # every token, in order, none twice
    assert result["sentences"][0]["pieces"] == len(pieces)


def test_cut_long_prefers_clause_boundaries():
    count = lambda text: len(text.split())  # noqa: E731
    pieces = cut_long("satu dua tiga, empat lima enam, tujuh delapan", count, 4)
    assert pieces == ["satu dua tiga,", "empat lima enam,", "tujuh delapan"]
    # A clause longer than the limit is cut by a word window.
    assert cut_long("a b c d e f g", count, 3) == ["a b c", "d e f", "g"]
