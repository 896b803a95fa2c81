"""Every setting in one typed place.

`Settings` holds what one run uses. A CLI option or flow parameter beats a `KABAR_*`
environment variable, which beats the default; the flow resolves the object once per run
and passes it down. `ProcessSettings` holds what each process reads for itself from its
own environment (a Dask worker on another machine has its own cores and device), and the
flow hands those variables on to the workers it starts.

The README's settings table is generated from these classes (`kabar settings --markdown`),
and a test checks the two agree.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_TRANSLATOR = "Helsinki-NLP/opus-mt-id-en"
DEFAULT_SUMMARISER = "sshleifer/distilbart-cnn-12-6"

Backend = Literal["transformers", "ctranslate2"]
Runner = Literal["thread", "dask"]
Unfaithful = Literal["flag", "lead"]
Device = Literal["auto", "cpu", "cuda"]

# A local cluster's default size: each worker holds its own copy of both models
# (about 1.5 GB with the default models), so more than four rarely fits or pays.
MAX_DEFAULT_WORKERS = 4


def _setting(
    default: Any,
    help: str,
    *,
    cli: str = "",
    parameter: bool = False,
    shown: str = "",
    **constraints: Any,
) -> Any:
    """A field with the facts the README's table shows: its CLI option, whether it is a flow
    parameter (and so a field of the UI's custom-run form), and its default in words."""
    extra = {"cli": cli, "parameter": parameter, "shown": shown}
    return Field(default, description=help, json_schema_extra=extra, **constraints)


class Settings(BaseSettings):
    """What one run uses. Resolve with `Settings(**given)`: what is given beats KABAR_*."""

    model_config = SettingsConfigDict(env_prefix="KABAR_", extra="forbid", frozen=True)

    inbox: str = _setting(
        "seeds",
        "inbox folder (empty: none)",
        cli="`INBOX` argument",
        parameter=True,
        shown="`seeds`; none when sources are given",
    )
    # NoDecode: the variables are comma-separated addresses, not JSON.
    feeds: Annotated[tuple[str, ...], NoDecode] = _setting(
        (), "feeds or sitemaps to fetch new articles from", cli="--feed", parameter=True,
        shown="none",
    )  # fmt: skip
    urls: Annotated[tuple[str, ...], NoDecode] = _setting(
        (), "article pages to fetch", cli="--url", parameter=True, shown="none"
    )
    sources: str = _setting(
        "", "sources file (TOML; see sources.example.toml)", cli="--sources", parameter=True,
        shown="none",
    )  # fmt: skip
    output: str = _setting("outputs", "output folder", cli="--output", parameter=True)
    translator: str = _setting(
        DEFAULT_TRANSLATOR, "translator (hub id or directory)", cli="--translator", parameter=True
    )
    summariser: str = _setting(
        DEFAULT_SUMMARISER,
        "summariser (hub id, directory or `lead`)",
        cli="--summariser",
        parameter=True,
    )
    backend: Backend = _setting(
        "transformers",
        "engine for both models: `transformers` or `ctranslate2` (int8, ~4x faster on a CPU)",
        cli="--backend",
        parameter=True,
    )
    max_words: int = _setting(
        80, "longest summary, in words", cli="--max-words", parameter=True, ge=10, le=1000
    )
    refresh: bool = _setting(
        False, "recompute every step and overwrite the cache", cli="--refresh", parameter=True
    )
    unfaithful: Unfaithful = _setting(
        "flag",
        "a summary naming facts the translation lacks: `flag` or `lead`",
        cli="--unfaithful",
        parameter=True,
    )
    runner: Runner = _setting(
        "thread",
        "where steps run: `thread` (this process) or `dask` (Dask workers)",
        cli="--runner",
        parameter=True,
    )
    # Empty and 0 rather than None: the UI's form shows a plain field, not a None toggle.
    dask_address: str = _setting(
        "",
        "an existing Dask cluster's scheduler (empty: a local cluster)",
        cli="--dask-address",
        parameter=True,
        shown="empty: a local cluster",
    )
    workers: int = _setting(
        0,
        "worker processes of the local Dask cluster (0: the cores, at most 4)",
        cli="--workers",
        parameter=True,
        shown="0: the cores, at most 4",
        ge=0,
        le=256,
    )
    # Empty rather than None, as the form's other text fields.
    base_url: str = _setting(
        "",
        "address the output folder is served at: the Atom feed's links start with it",
        cli="--base-url",
        parameter=True,
        shown="empty: links to the files on this machine",
    )
    guards: bool = _setting(
        True,
        "translation loop and length guards (`on` or `off`; random-weight benchmark models "
        "trip them)",
    )
    cache_dir: str | None = _setting(
        None, "step cache folder", shown="`.kabar-cache` beside the output folder"
    )
    settle_seconds: float = _setting(
        5.0, "leave files changed this recently for the next run (seconds)"
    )
    # NoDecode: the variable is comma-separated text, not JSON.
    patterns: Annotated[tuple[str, ...], NoDecode] = _setting(
        ("*.txt", "*.html", "*.htm"), "which inbox files are articles (comma-separated globs)"
    )
    max_bytes: int = _setting(5_000_000, "largest article file, in bytes")
    # Far above any news article: a longer 'article' is a page of something else (a live
    # blog, a dump), and would cost hours of translation.
    max_article_words: int = _setting(
        20_000, "longest article translated, in words (longer: skipped)", ge=1
    )
    # How Kabar treats the outlets' servers (tasks/web.py).
    contact: str = _setting(
        "", "contact (an e-mail or URL) sent in the User-Agent to the outlets", shown="none"
    )
    host_concurrency: int = _setting(2, "requests at once to one host", ge=1, le=16)
    host_delay: float = _setting(
        1.0, "seconds between the starts of two requests to one host", ge=0
    )
    connect_timeout: float = _setting(10.0, "seconds to connect to a server", gt=0)
    read_timeout: float = _setting(20.0, "seconds a server may stay silent", gt=0)
    response_seconds: float = _setting(60.0, "seconds for a whole response", gt=0)
    retry_after_max: float = _setting(
        120.0, "longest Retry-After waited (longer: the source is left for the next run)", ge=0
    )
    prompt: str | None = _setting(
        None,
        "prompt file for instruction-following summarisers (`{title}`, `{date}`, `{outlet}`, "
        "`{text}`)",
        shown="`prompts/brief.md` in the package",
    )

    @field_validator("feeds", "urls", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(p.strip() for p in value.split(",") if p.strip())
        return tuple(value or ())

    @field_validator("patterns", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(p.strip() for p in value.split(",") if p.strip())
        if not value:
            raise ValueError("name at least one file pattern, such as *.txt")
        return value

    @property
    def local_workers(self) -> int:
        """Worker processes of a local Dask cluster: `workers`, else the cores (at most 4)."""
        from kabar.tasks.hardware import cores

        return self.workers or max(1, min(MAX_DEFAULT_WORKERS, cores()))

    @property
    def has_sources(self) -> bool:
        return bool(self.feeds or self.urls or self.sources)

    def source_list(self) -> list:
        """The run's sources: the sources file's, then --feed and --url (SourcesError when
        the file or an address is wrong)."""
        from kabar.tasks.sources import from_options, load_sources

        listed = load_sources(Path(self.sources).expanduser()) if self.sources else []
        return listed + from_options(self.feeds, self.urls)

    def client_settings(self):
        """The web client's settings (tasks/web.py)."""
        from kabar.tasks.web import ClientSettings

        return ClientSettings(
            contact=self.contact,
            per_host_concurrency=self.host_concurrency,
            per_host_delay=self.host_delay,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            response_seconds=self.response_seconds,
            max_bytes=self.max_bytes,
            retry_after_max=self.retry_after_max,
        )

    def cache_folder(self) -> Path:
        """`cache_dir`, else a `.kabar-cache` folder beside the output folder."""
        if self.cache_dir:
            return Path(self.cache_dir).expanduser().resolve()
        return Path(self.output).expanduser().resolve().parent / ".kabar-cache"

    def prompt_template(self) -> str:
        """The brief prompt for instruction-following summarisers: `prompt`, else the
        package's prompts/brief.md. Placeholders: {title}, {date}, {outlet}, {text}."""
        if self.prompt:
            path = Path(self.prompt).expanduser()
            template = path.read_text(encoding="utf-8")
        else:
            path = resources.files("kabar.prompts").joinpath("brief.md")
            template = path.read_text(encoding="utf-8")
        if "{text}" not in template:
            raise ValueError(f"The prompt template {path} has no {{text}} placeholder.")
        return template


class ProcessSettings(BaseSettings):
    """Read by each process for itself, from its own environment: on a Dask worker these
    describe the worker's machine, not the one that started the run."""

    model_config = SettingsConfigDict(env_prefix="KABAR_", extra="ignore", frozen=True)

    threads: int | None = Field(
        None,
        ge=1,
        description="model threads per process",
        json_schema_extra={"shown": "all cores; cores / workers on a local Dask cluster"},
    )
    device: Device = Field(
        "auto",
        description="device: `auto`, `cpu` or `cuda`",
        json_schema_extra={"shown": "`auto` (CUDA when present)"},
    )
    batch_tokens: int | None = Field(
        None,
        ge=1,
        description="source tokens per translation batch",
        json_schema_extra={"shown": "4,096 on a CPU; by free memory on a GPU (up to 32,768)"},
    )


# Variables a worker process must see as the flow's process does (workers are spawned, not
# forked): the per-process settings the user chose, and where the models and hub live.
PASSED_TO_WORKERS = (
    *(f"KABAR_{name.upper()}" for name in ProcessSettings.model_fields),
    "HF_HUB_OFFLINE",
    "HF_HOME",
    "HF_ENDPOINT",
    "OMP_WAIT_POLICY",
)


class SettingsError(ValueError):
    """A setting has a value it cannot take; the message names the option or variable."""


def _explain(error: ValidationError, given: dict) -> SettingsError:
    problems = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "a setting"
        source = name if name in given else f"KABAR_{name.upper()}"
        problems.append(f"{source} is {problem['input']!r}: {problem['msg']}")
    return SettingsError("; ".join(problems))


def resolve(**given: Any) -> Settings:
    """The run's settings: what is given (not None) beats KABAR_* variables and defaults."""
    given = {key: value for key, value in given.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        raise _explain(error, given) from None


def process_settings() -> ProcessSettings:
    """This process's own settings, read from its environment now."""
    try:
        return ProcessSettings()
    except ValidationError as error:
        raise _explain(error, {}) from None


def environment_for_workers() -> dict[str, str]:
    return {key: os.environ[key] for key in PASSED_TO_WORKERS if key in os.environ}


def default_in_words(field) -> str:
    extra = field.json_schema_extra or {}
    if extra.get("shown"):
        return extra["shown"]
    value = field.default
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        value = ",".join(value)
    return f"`{value}`"


def settings_table() -> str:
    """The README's settings table, made from the two classes above."""
    rows = [
        "| what | CLI option | flow parameter | environment variable | default |",
        "| --- | --- | --- | --- | --- |",
    ]
    for scope in (Settings, ProcessSettings):
        for name, field in scope.model_fields.items():
            extra = field.json_schema_extra or {}
            cli = extra.get("cli", "")
            cli = cli if cli.startswith("`") or not cli else f"`{cli}`"
            parameter = f"`{name}`" if extra.get("parameter") else ""
            what = field.description + (
                " — read by each process for itself" if scope is ProcessSettings else ""
            )
            row = [what, cli, parameter, f"`KABAR_{name.upper()}`", default_in_words(field)]
            rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)
