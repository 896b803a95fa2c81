"""Two ways to run a sequence-to-sequence model, behind one interface.

`transformers` runs the model as saved (CUDA in half precision when present);
`ctranslate2` runs an int8 conversion of it, several times faster on a CPU.
Both take plain texts and give plain texts: sorting, batching and guards are the
caller's business (tasks/translate.py), so they behave the same on either.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

BACKENDS = ("transformers", "ctranslate2")


@dataclass(frozen=True)
class Decoding:
    """How to generate. None leaves the choice to the model's own generation_config.json."""

    beams: int = 4
    max_new_tokens: int = 256
    min_new_tokens: int | None = None
    no_repeat_ngram_size: int | None = None
    repetition_penalty: float | None = None
    length_penalty: float | None = None

    def chosen(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def for_generate(self) -> dict:
        """The chosen options under transformers' generate() names."""
        options = self.chosen()
        options["num_beams"] = options.pop("beams")
        # One length setting: the models' own generation configs set max_length too, and
        # with both set transformers warns on every batch.
        options["max_length"] = None
        return options


class Engine(Protocol):
    name: str
    device: str  # 'cpu' or 'cuda'

    def count_tokens(self, text: str) -> int: ...

    def generate(self, texts: list[str], decoding: Decoding) -> list[str]: ...


class _TokenCounting:
    """What both engines share: their Hugging Face tokenizer says how long a text is."""

    tokenizer: Any

    def count_tokens(self, text: str) -> int:
        # verbose=False: counting a long article is not feeding it to the model, so the
        # tokenizer's 'longer than the maximum' warning would be a false alarm.
        return len(self.tokenizer(text, truncation=False, verbose=False)["input_ids"])


class TransformersEngine(_TokenCounting):
    name = "transformers"

    def __init__(self, tokenizer, model) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.device = model.device.type

    def generate(self, texts: list[str], decoding: Decoding) -> list[str]:
        import torch

        inputs = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False)
        with torch.inference_mode():
            output = self.model.generate(**inputs.to(self.model.device), **decoding.for_generate())
        return [t.strip() for t in self.tokenizer.batch_decode(output, skip_special_tokens=True)]


class CTranslate2Engine(_TokenCounting):
    name = "ctranslate2"

    def __init__(self, tokenizer, translator, model_defaults: dict | None = None) -> None:
        self.tokenizer = tokenizer
        self.translator = translator
        self.device = translator.device
        # The model's generation_config.json, which transformers applies by itself.
        defaults = model_defaults or {}
        self.defaults = Decoding(
            min_new_tokens=defaults.get("min_length"),
            no_repeat_ngram_size=defaults.get("no_repeat_ngram_size"),
            repetition_penalty=defaults.get("repetition_penalty"),
            length_penalty=defaults.get("length_penalty"),
        )

    def _tokens(self, text: str) -> list[str]:
        return self.tokenizer.convert_ids_to_tokens(self.tokenizer(text)["input_ids"])

    def generate(self, texts: list[str], decoding: Decoding) -> list[str]:
        def pick(name: str, fallback):
            value = getattr(decoding, name)
            value = getattr(self.defaults, name) if value is None else value
            return fallback if value is None else value

        results = self.translator.translate_batch(
            [self._tokens(t) for t in texts],
            beam_size=decoding.beams,
            max_decoding_length=decoding.max_new_tokens,
            min_decoding_length=pick("min_new_tokens", 0),
            no_repeat_ngram_size=pick("no_repeat_ngram_size", 0),
            repetition_penalty=pick("repetition_penalty", 1.0),
            length_penalty=pick("length_penalty", 1.0),
        )
        return [
            self.tokenizer.decode(
                self.tokenizer.convert_tokens_to_ids(r.hypotheses[0]), skip_special_tokens=True
            ).strip()
            for r in results
        ]


class CausalLMEngine(TransformersEngine):
    """A decoder-only chat model: each text is one user message in the model's chat template."""

    def generate(self, texts: list[str], decoding: Decoding) -> list[str]:
        import torch

        options = decoding.for_generate()
        outputs = []
        for text in texts:  # one by one: chat prompts differ in length, and articles are few
            inputs = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}],
                add_generation_prompt=True,
                return_tensors="pt",
                return_dict=True,
            ).to(self.model.device)
            with torch.inference_mode():
                output = self.model.generate(**inputs, **options)
            new = output[0, inputs["input_ids"].shape[1] :]
            outputs.append(self.tokenizer.decode(new, skip_special_tokens=True).strip())
        return outputs
