"""Settings in one place: a flow parameter or CLI option beats an environment variable,
which beats the default."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_TRANSLATOR = "Helsinki-NLP/opus-mt-id-en"
DEFAULT_SUMMARISER = "sshleifer/distilbart-cnn-12-6"
DEFAULT_INBOX = "seeds"
DEFAULT_OUTPUT = "outputs"
DEFAULT_MAX_WORDS = 80
DEFAULT_BACKEND = "transformers"
DEFAULT_PROMPT = Path(__file__).resolve().parent.parent / "prompts" / "brief.md"
DEFAULT_SETTLE_SECONDS = 5.0
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_PATTERNS = "*.txt,*.html,*.htm"


def choose(given: str | None, variable: str, default: str) -> str:
    return given or os.environ.get(variable) or default


def translator(given: str | None = None) -> str:
    return choose(given, "KABAR_TRANSLATOR", DEFAULT_TRANSLATOR)


def summariser(given: str | None = None) -> str:
    return choose(given, "KABAR_SUMMARISER", DEFAULT_SUMMARISER)


def backend(given: str | None = None) -> str:
    """'transformers' or 'ctranslate2', for the translator and the summariser alike."""
    return choose(given, "KABAR_BACKEND", DEFAULT_BACKEND)


def guards() -> bool:
    """Translation guards (loop and length checks, with retries): KABAR_GUARDS=off skips
    them. They cost nothing until they fire; random-weight benchmark models trip them."""
    value = os.environ.get("KABAR_GUARDS", "on").strip().lower()
    if value not in {"on", "off", "1", "0", "true", "false", "yes", "no"}:
        raise ValueError(f"KABAR_GUARDS is '{value}': use on or off.")
    return value in {"on", "1", "true", "yes"}


def settle_seconds() -> float:
    """A file changed more recently than this may still be being written: next run takes it."""
    return float(os.environ.get("KABAR_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))


def max_bytes() -> int:
    """Files larger than this are skipped as 'too large' (KABAR_MAX_BYTES, default 5 MB)."""
    return int(os.environ.get("KABAR_MAX_BYTES", DEFAULT_MAX_BYTES))


def article_patterns() -> tuple[str, ...]:
    """Which inbox files are articles (KABAR_PATTERNS, comma-separated globs)."""
    given = os.environ.get("KABAR_PATTERNS", DEFAULT_PATTERNS)
    return tuple(p.strip() for p in given.split(",") if p.strip())


def prompt_template() -> str:
    """The brief prompt for instruction-following summarisers: KABAR_PROMPT, else
    prompts/brief.md. Placeholders: {title}, {date}, {outlet}, {text}."""
    path = Path(os.environ.get("KABAR_PROMPT") or DEFAULT_PROMPT)
    template = path.read_text(encoding="utf-8")
    if "{text}" not in template:
        raise ValueError(f"The prompt template {path} has no {{text}} placeholder.")
    return template


def cache_dir(output: str | Path) -> Path:
    """KABAR_CACHE_DIR, else a `.kabar-cache` folder beside the output folder."""
    given = os.environ.get("KABAR_CACHE_DIR")
    if given:
        return Path(given).expanduser().resolve()
    return Path(output).expanduser().resolve().parent / ".kabar-cache"
