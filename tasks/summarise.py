"""English article -> a short English summary.

A summarisation model reads at most its input cap (BART: 1,024 tokens). A longer
article is cut on sentence boundaries into parts under the cap, each part is
summarised, and the partial summaries are summarised again, so the brief covers
the whole article instead of its first page. `lead` needs no model: the first
sentences of the translation, which cannot hallucinate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from kabar.tasks.engines import Decoding, Engine
from kabar.tasks.faithfulness import unsupported_facts
from kabar.tasks.packing import pack
from kabar.tasks.sentences import split_sentences

SUMMARISE_VERSION = "3"  # bump when summarise_article's output changes for the same input
LEAD = "lead"  # the reserved summariser name that needs no model


@dataclass(frozen=True)
class SummarySettings:
    backend: str = "transformers"
    max_words: int = 80
    beams: int = 4
    max_new_tokens: int = 142  # distilbart-cnn's own generation length
    min_new_tokens: int | None = None  # None: the model's own generation_config decides
    # A summary naming numbers or names the translation lacks: "flag" it in the brief, or
    # "lead": replace it with the first sentences of the translation (and say so).
    unfaithful: str = "flag"
    prompt_template: str = ""  # prompts/brief.md, for instruction-following models only

    def to_dict(self) -> dict:
        return asdict(self)


class Seq2SeqSummariser:
    """A summarisation model (BART, Pegasus) on either backend, with its input cap."""

    def __init__(
        self, engine: Engine, settings: SummarySettings, input_cap: int = 1024, prompt: str = ""
    ) -> None:
        """`prompt`: for instruction-following models, the template with `{text}` still in it;
        each part of the article is put there. Its own tokens come off the input cap."""
        self.engine = engine
        self.settings = settings
        self.prompt = prompt
        overhead = engine.count_tokens(prompt.replace("{text}", "")) if prompt else 0
        self.input_cap = input_cap - overhead

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)

    def summarise(self, texts: list[str]) -> list[str]:
        if self.prompt:
            texts = [self.prompt.replace("{text}", text) for text in texts]
        decoding = Decoding(
            beams=self.settings.beams,
            max_new_tokens=self.settings.max_new_tokens,
            min_new_tokens=self.settings.min_new_tokens,
        )
        return self.engine.generate(texts, decoding)


def render_prompt(template: str, meta: dict) -> str:
    """The template with the article's title, date and outlet filled in, `{text}` left."""
    for key in ("title", "date", "outlet"):
        template = template.replace("{" + key + "}", str(meta.get(key) or "unknown"))
    return template


def pack_sentences(sentences: list[str], count_tokens: Callable[[str], int], cap: int) -> list[str]:
    """Consecutive sentences joined into parts of at most `cap` tokens each.

    A single sentence over the cap is cut by words: the model must see all of it.
    """
    return pack(
        sentences, count_tokens, cap, cut=lambda sentence: _fit(sentence, count_tokens, cap)
    )


def _fit(sentence: str, count_tokens: Callable[[str], int], cap: int) -> list[str]:
    if count_tokens(sentence) <= cap:
        return [sentence]
    words = sentence.split()
    half = len(words) // 2
    if half == 0:
        return [sentence]
    return _fit(" ".join(words[:half]), count_tokens, cap) + _fit(
        " ".join(words[half:]), count_tokens, cap
    )


def trim_to_words(text: str, max_words: int) -> tuple[str, bool]:
    """Whole sentences up to `max_words` words; (text, True) if it had to cut inside one."""
    kept: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        words = len(sentence.split())
        if count + words > max_words:
            break
        kept.append(sentence)
        count += words
    if kept:
        return " ".join(kept), False
    words = text.split()
    return (" ".join(words[:max_words]) + (" …" if len(words) > max_words else "")), len(
        words
    ) > max_words


def lead_summary(english_paragraphs: list[str], max_words: int) -> str:
    return trim_to_words(" ".join(english_paragraphs), max_words)[0]


def summarise_article(
    translation: dict, summariser: Seq2SeqSummariser | None, settings: SummarySettings
) -> dict:
    """{'summary', 'flags', 'parts', 'rounds'} of a translated article; no summariser = lead."""
    paragraphs = [p for p in translation.get("paragraphs", []) if p.strip()]
    if summariser is None:
        return {"summary": lead_summary(paragraphs, settings.max_words), "flags": [], "parts": 0}

    sentences = [s for p in paragraphs for s in split_sentences(p)]
    cap = summariser.input_cap - 2  # room for the special tokens
    parts = pack_sentences(sentences, summariser.count_tokens, cap)
    first_round_parts = len(parts)
    rounds = 0
    while len(parts) > 1 and rounds < 5:
        partials = summariser.summarise(parts)
        parts = pack_sentences(partials, summariser.count_tokens, cap)
        rounds += 1
    summary = summariser.summarise(parts)[0] if parts else ""
    text, cut = trim_to_words(summary, settings.max_words)
    flags = ["summary cut inside a sentence to fit the word limit"] if cut else []
    if not text:
        flags.append("the summariser returned nothing")
    source = " ".join([translation.get("title", ""), *paragraphs])
    missing = unsupported_facts(text, source)
    if missing:
        shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
        doubt = f"the summary mentions {shown}, which the translation does not"
        if settings.unfaithful == "lead":
            text = lead_summary(paragraphs, settings.max_words)
            doubt += ": replaced by the article's first sentences"
        flags.append(doubt)
    return {"summary": text, "flags": flags, "parts": first_round_parts, "rounds": rounds + 1}
