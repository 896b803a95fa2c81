"""The `kabar` command.

Exit codes of `kabar run`: 0 every article briefed or skipped for a stated reason,
1 some article failed, 2 a usage or set-up error (such as missing model files).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from tasks import settings

# Keep a local Prefect server offline and quiet unless the user says otherwise.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kabar: Indonesian news pages in, short English briefs out."""


@main.command()
@click.argument("inbox", default=settings.DEFAULT_INBOX, type=click.Path(file_okay=False))
@click.option(
    "--output",
    "-o",
    default=settings.DEFAULT_OUTPUT,
    show_default=True,
    help="Folder for the briefs.",
)
@click.option(
    "--translator",
    help="MarianMT hub id or directory [env KABAR_TRANSLATOR; "
    f"default {settings.DEFAULT_TRANSLATOR}].",
)
@click.option(
    "--summariser",
    help="Summarisation model hub id or directory, or 'lead' "
    f"[env KABAR_SUMMARISER; default {settings.DEFAULT_SUMMARISER}].",
)
@click.option(
    "--backend",
    type=click.Choice(["transformers", "ctranslate2"]),
    help="Engine for both models [env KABAR_BACKEND; default transformers].",
)
@click.option("--refresh", is_flag=True, help="Recompute every step and overwrite the cache.")
@click.option(
    "--max-words",
    default=settings.DEFAULT_MAX_WORDS,
    show_default=True,
    type=click.IntRange(10, 1000),
    help="Longest summary, in words.",
)
def run(inbox: str, output: str, translator: str | None, summariser: str | None,
        backend: str | None, refresh: bool, max_words: int) -> None:  # fmt: skip
    """Brief every article in INBOX (default: seeds) once, then print each article's state."""
    from flows.briefing import briefing
    from tasks.models import ModelUnavailable

    if not Path(inbox).is_dir():
        raise click.UsageError(f"Inbox folder '{inbox}' does not exist.")
    try:
        report = briefing(
            inbox=inbox,
            output=output,
            translator=translator,
            summariser=summariser,
            backend=backend,
            refresh=refresh,
            max_words=max_words,
        )
    except ModelUnavailable as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(2)

    failed = 0
    click.echo()
    for entry in report["articles"]:
        states = " · ".join(f"{step} {state}" for step, state in entry["steps"].items())
        where = f" -> {entry['brief_path']}" if entry.get("brief_path") else ""
        failed += any(state.startswith("failed") for state in entry["steps"].values())
        click.echo(f"{entry['article_id']}  {states}{where}")
    used = ", ".join(report["models_used"]) or "none (every step came from the cache)"
    click.echo(f"\nModels loaded: {used}\nDigest: {report['digest']}")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
def clean(file: Path, as_json: bool) -> None:
    """Print the article extracted from one page's text (no model is loaded)."""
    from tasks.clean import clean_text
    from tasks.ingest import read_article

    source = read_article(file)
    if source.text is None:
        raise click.ClickException(f"{file}: skipped: {source.problem}")
    article = clean_text(source.text).to_dict()
    article.pop("removed_lines")
    if as_json:
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    for key, value in article.items():
        if key != "body":
            click.echo(f"{key}: {value}")
    click.echo()
    click.echo("\n\n".join(article["body"]))


@main.group()
def models() -> None:
    """Get the model files."""


@models.command()
@click.option("--translator", default=None, help="Hub id [env KABAR_TRANSLATOR].")
@click.option("--summariser", default=None, help="Hub id [env KABAR_SUMMARISER].")
def download(translator: str | None, summariser: str | None) -> None:
    """Fetch the translator and summariser into the local hub cache (needs the hub)."""
    from tasks import models as model_files

    for name in (settings.translator(translator), settings.summariser(summariser)):
        if name == "lead" or Path(name).expanduser().is_dir():
            continue
        try:
            click.echo(f"{name}: {model_files.download(name)}")
        except Exception as error:  # the hub's own message says what went wrong
            click.secho(f"error: could not download {name}: {error}", fg="red", err=True)
            sys.exit(2)


if __name__ == "__main__":
    main()
