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

from kabar.tasks import settings

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
@click.option(
    "--unfaithful",
    type=click.Choice(["flag", "lead"]),
    default="flag",
    show_default=True,
    help="A summary naming facts the translation lacks: flag it, "
    "or replace it with the first sentences.",
)
@click.option(
    "--runner",
    type=click.Choice(["thread", "dask"]),
    help="Where steps run: this process, or Dask workers [env KABAR_RUNNER; default thread].",
)
@click.option(
    "--dask-address",
    help="With --runner dask: an existing cluster's scheduler, e.g. tcp://10.0.0.5:8786 "
    "[env KABAR_DASK_ADDRESS; default: a local cluster].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    help="With --runner dask and no address: local worker processes [default: cores, max 4].",
)
def run(inbox: str, output: str, translator: str | None, summariser: str | None,
        backend: str | None, refresh: bool, max_words: int, unfaithful: str,
        runner: str | None, dask_address: str | None, workers: int | None) -> None:  # fmt: skip
    """Brief every article in INBOX (default: seeds) once, then print each article's state."""
    from kabar.flows.briefing import briefing
    from kabar.tasks.models import ModelUnavailable
    from kabar.tasks.publish import OutputError

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
            unfaithful=unfaithful,
            runner=runner,
            dask_address=dask_address,
            workers=workers,
        )
    except (ModelUnavailable, OutputError) as error:
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
@click.option("--name", default="briefs", show_default=True, help="Deployment name.")
@click.option("--cron", help="Cron schedule [default: hourly, '0 * * * *'].")
@click.option("--interval", type=click.IntRange(10), help="Run every N seconds instead.")
@click.option(
    "--inbox",
    default=settings.DEFAULT_INBOX,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder the schedule reads.",
)
@click.option(
    "--output", default=settings.DEFAULT_OUTPUT, show_default=True, help="Folder for the briefs."
)
@click.option("--translator", help="Default translator of the deployment's runs.")
@click.option("--summariser", help="Default summariser of the deployment's runs.")
@click.option(
    "--backend",
    type=click.Choice(["transformers", "ctranslate2"]),
    help="Default backend of the deployment's runs.",
)
def serve(name: str, cron: str | None, interval: int | None, inbox: str, output: str,
          translator: str | None, summariser: str | None, backend: str | None) -> None:  # fmt: skip
    """Register the flow as deployment kabar/NAME on a schedule, and run what it schedules.

    Needs a Prefect server (PREFECT_API_URL; see `prefect server start`). Runs can also be
    started from the UI ('Custom run') or with `prefect deployment run kabar/NAME`.
    Stop it with Ctrl-C.
    """
    from kabar.flows.briefing import briefing

    if cron and interval:
        raise click.UsageError("Give --cron or --interval, not both.")
    if not os.environ.get("PREFECT_API_URL"):
        click.secho(
            "warning: PREFECT_API_URL is not set, so this serves against a temporary server "
            "that no UI shows. Start one with `prefect server start` and export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api first.",
            fg="yellow",
            err=True,
        )
    # Absolute paths: the runs start in their own processes.
    parameters = {"inbox": str(Path(inbox).resolve()), "output": str(Path(output).resolve())}
    chosen = {"translator": translator, "summariser": summariser, "backend": backend}
    parameters.update({key: value for key, value in chosen.items() if value})
    schedule = {"interval": interval} if interval else {"cron": cron or "0 * * * *"}
    briefing.serve(name=name, parameters=parameters, **schedule)


@main.command()
@click.option(
    "--older-than", default="30d", show_default=True, help="Age: a number and s, m, h, d or w."
)
@click.option(
    "--output",
    default=settings.DEFAULT_OUTPUT,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--dry-run", is_flag=True, help="Say what would go; delete nothing.")
def prune(older_than: str, output: Path, dry_run: bool) -> None:
    """Delete old digests and cache entries that no current brief was made from."""
    from kabar.tasks.prune import parse_age
    from kabar.tasks.prune import prune as prune_files

    try:
        age = parse_age(older_than)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from None
    report = prune_files(output, settings.cache_dir(output), age, dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {len(report.digests)} digests and {len(report.cache_entries)} cache entries"
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
def clean(file: Path, as_json: bool) -> None:
    """Print the article extracted from one page's text (no model is loaded)."""
    from kabar.tasks.clean import clean_text
    from kabar.tasks.ingest import read_article

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
    from kabar.tasks import models as model_files

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
