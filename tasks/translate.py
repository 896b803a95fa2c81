"""Indonesian article -> English, sentence by sentence, with MarianMT.

opus-mt-id-en translates sentences and caps input at 512 tokens. So every
paragraph is split into sentences, an over-long sentence is cut into pieces
(at clause boundaries, then by a word window), all pieces of an article are
sorted by length and batched under a token budget, and the English is put
back in the original order and paragraph structure. Nothing is truncated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tasks.sentences import split_sentences

TRANSLATE_VERSION = "1"  # bump when translate_article's output changes for the same input


@dataclass(frozen=True)
class TranslationSettings:
    beams: int = 4
    max_batch_tokens: int = 4096  # source tokens per generate() call: bounds memory
    max_piece_tokens: int = 256  # well under the 512 cap: long inputs are where Marian loops

    def to_dict(self) -> dict:
        return asdict(self)


_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=(?:-|–|—)\s)")


def cut_long(sentence: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Pieces of a sentence, each under `limit` tokens: whole clauses where possible."""
    if count_tokens(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in _CLAUSE.split(sentence):
        for part in _word_windows(clause, count_tokens, limit):
            joined = f"{current} {part}".strip()
            if current and count_tokens(joined) > limit:
                pieces.append(current)
                current = part
            else:
                current = joined
    if current:
        pieces.append(current)
    return pieces


def _word_windows(text: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    if count_tokens(text) <= limit:
        return [text]
    windows, current = [], []
    for word in text.split():
        if current and count_tokens(" ".join([*current, word])) > limit:
            windows.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        windows.append(" ".join(current))
    return windows


class MarianTranslator:
    """Batched MarianMT generation over a list of short texts, order preserved."""

    def __init__(self, tokenizer, model, settings: TranslationSettings) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.settings = settings

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, truncation=False)["input_ids"])

    def translate(self, texts: list[str]) -> list[str]:
        import torch

        lengths = [self.count_tokens(t) for t in texts]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        english: list[str] = [""] * len(texts)
        batch: list[int] = []
        for index in order:
            # Sorted ascending, so the newest item is the longest of the batch.
            if batch and (len(batch) + 1) * lengths[index] > self.settings.max_batch_tokens:
                self._run(batch, texts, lengths, english, torch)
                batch = []
            batch.append(index)
        if batch:
            self._run(batch, texts, lengths, english, torch)
        return english

    def _run(self, batch, texts, lengths, english, torch) -> None:
        inputs = self.tokenizer(
            [texts[i] for i in batch], return_tensors="pt", padding=True, truncation=False
        ).to(self.model.device)
        longest = max(lengths[i] for i in batch)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                num_beams=self.settings.beams,
                max_new_tokens=min(512, 2 * longest + 16),
            )
        for i, text in zip(batch, self.tokenizer.batch_decode(output, skip_special_tokens=True)):
            english[i] = text.strip()


def translate_article(
    article: dict,
    translator: MarianTranslator,
) -> dict:
    """The English of an article's title and body, with the sentence alignment kept."""
    units: list[tuple[int, str]] = []  # (paragraph index, sentence); -1 is the title
    if article.get("title"):
        units.append((-1, article["title"]))
    for index, paragraph in enumerate(article.get("body", [])):
        units.extend((index, s) for s in split_sentences(paragraph))

    limit = translator.settings.max_piece_tokens
    pieces_per_unit = [cut_long(text, translator.count_tokens, limit) for _, text in units]
    flat = [piece for pieces in pieces_per_unit for piece in pieces]
    english_flat = iter(translator.translate(flat))

    sentences = []
    for (paragraph, source), pieces in zip(units, pieces_per_unit):
        english = " ".join(next(english_flat) for _ in pieces).strip()
        sentences.append(
            {"paragraph": paragraph, "source": source, "english": english, "pieces": len(pieces)}
        )
    paragraphs = [
        " ".join(s["english"] for s in sentences if s["paragraph"] == index)
        for index in range(len(article.get("body", [])))
    ]
    title = next((s["english"] for s in sentences if s["paragraph"] == -1), "")
    return {"title": title, "paragraphs": paragraphs, "sentences": sentences, "flags": []}
