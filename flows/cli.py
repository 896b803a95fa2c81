"""The `kabar` command.

Exit codes of `kabar run`: 0 every article briefed or skipped for a stated reason,
1 some article failed, 2 a usage or set-up error (such as missing model files).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Literal

import click

from kabar.tasks import settings
from kabar.tasks.dates import local_time
from kabar.tasks.words import counted

# Keep a local Prefect server offline and quiet unless the user says otherwise.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kabar: Indonesian news pages in, short English briefs out."""


def _click_option(name: str, field):
    """A CLI option made from a setting: its type, help, variable and default come from
    tasks/settings.py. Its default is None, so that a KABAR_* variable still counts."""
    from typing import get_args, get_origin

    annotation = field.annotation
    if get_origin(annotation) is Literal:
        kind = click.Choice(get_args(annotation))
    elif int in (annotation, *get_args(annotation)):
        low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        kind = click.IntRange(low, high)
    else:
        kind = None
    shown = settings.default_in_words(field).replace("`", "")
    help_text = f"{field.description[0].upper()}{field.description[1:]}".replace("`", "'")
    help_text += f" [env KABAR_{name.upper()}; default {shown}]"
    cli = (field.json_schema_extra or {}).get("cli", "")
    flag = cli if cli.startswith("--") else f"--{name.replace('_', '-')}"
    if get_origin(annotation) is tuple or tuple in get_args(annotation):
        return click.option(flag, name, multiple=True, help=help_text + " (repeatable)")
    if annotation is bool:
        return click.option(flag, is_flag=True, default=None, help=help_text)
    return click.option(flag, type=kind, default=None, help=help_text)


def run_settings_options(command):
    """Every flow parameter but the inbox, as an option of `command`."""
    for name, field in reversed(settings.Settings.model_fields.items()):
        extra = field.json_schema_extra or {}
        if extra.get("parameter") and name != "inbox":
            command = _click_option(name, field)(command)
    return command


def _resolve(inbox: str | None, **given) -> settings.Settings:
    """The settings of a run or deployment. With sources and no inbox named (argument or
    KABAR_INBOX), there is no inbox: fetching news does not also brief the seeds."""
    given = {key: value for key, value in given.items() if value not in (None, ())}
    try:
        config = settings.resolve(inbox=inbox, **given)
        if inbox is None and "KABAR_INBOX" not in os.environ and config.has_sources:
            config = settings.resolve(inbox="", **given)
        config.source_list()  # a wrong sources file or address is a usage error, said now
    except (settings.SettingsError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    return config


def _flow_parameters(config: settings.Settings) -> dict:
    parameters = {
        name: getattr(config, name)
        for name, field in settings.Settings.model_fields.items()
        if (field.json_schema_extra or {}).get("parameter")
    }
    return {k: list(v) if isinstance(v, tuple) else v for k, v in parameters.items()}


@main.command()
@click.argument("inbox", required=False, type=click.Path(file_okay=False))
@run_settings_options
def run(inbox: str | None, **given) -> None:
    """Brief every article in INBOX (default: seeds, or none when sources are given) and every
    new article of the sources (--feed, --url, --sources) once; print each article's state."""
    config = _resolve(inbox, **given)
    if config.inbox and not Path(config.inbox).is_dir():
        raise click.UsageError(f"Inbox folder '{config.inbox}' does not exist.")

    from kabar.tasks import models

    try:  # before Prefect starts anything: a missing model is a set-up error, said once
        models.resolve(config.translator)
        if config.summariser != "lead":
            models.resolve(config.summariser)
    except models.ModelUnavailable as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(2)

    from kabar.flows.briefing import briefing
    from kabar.tasks.models import ModelUnavailable
    from kabar.tasks.publish import OutputError

    try:
        report = briefing(**_flow_parameters(config))
    except (ModelUnavailable, OutputError) as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(2)

    click.echo()
    for entry in report["articles"]:
        states = " · ".join(f"{step} {state}" for step, state in entry["steps"].items())
        where = f" -> {entry['brief_path']}" if entry.get("brief_path") else ""
        click.echo(f"{entry['article_id']}  {states}{where}")
    click.echo()
    for line in source_lines(report.get("sources", [])):
        click.echo(line)
    for line in closing_lines(report):
        click.echo(line)
    failed_source = any(s["state"] == "failed" for s in report.get("sources", []))
    sys.exit(1 if failed_source or any(_failed(e) for e in report["articles"]) else 0)


def source_lines(sources: list[dict]) -> list[str]:
    """One line per source: what it listed this run, or why it failed."""
    lines = [
        f"source {s['source']}: {s['state']} — {s['message']}" + (
            f" (newest item {local_time(s['newest'])})" if s.get("newest") else "")
        for s in sources
    ]  # fmt: skip
    return [*lines, ""] if lines else []


def _failed(entry: dict) -> bool:
    return any(state.startswith("failed") for state in entry["steps"].values())


def closing_lines(report: dict) -> list[str]:
    """What the run did, counted from each article's states: never more than happened."""
    entries = report["articles"]
    briefed = [e for e in entries if e.get("brief")]
    new = sum(1 for e in briefed if e["new"])
    failed = sum(1 for e in entries if _failed(e))
    skipped = len(entries) - len(briefed) - failed
    counts = f"Briefed {len(briefed)} of {counted(len(entries), 'article')} ({new} new"
    counts += f", {len(briefed) - new} from the cache)" if briefed else ")"
    if skipped:
        counts += f"; {skipped} skipped"
    if failed:
        counts += f"; {failed} failed (see above)"
    states = [s for e in entries for s in e["steps"].values() if s != "-"]
    if report["models_used"]:
        used = ", ".join(report["models_used"])
    elif states and all(s == "cached" for s in states):
        used = "none (every step came from the cache)"
    else:
        used = "none"
    return [counts + ".", f"Models used: {used}", f"Digest: {report['digest']}"]


@main.command()
@click.option("--name", default="briefs", show_default=True, help="Deployment name.")
@click.option("--cron", help="Cron schedule [default: hourly, '0 * * * *'].")
@click.option("--interval", type=click.IntRange(10), help="Run every N seconds instead.")
@click.option(
    "--inbox",
    type=click.Path(file_okay=False),
    help="Folder the schedule reads [env KABAR_INBOX; default seeds, none with sources].",
)
@run_settings_options
def serve(name: str, cron: str | None, interval: int | None, inbox: str | None, **given) -> None:
    """Register the flow as deployment kabar/NAME on a schedule, and run what it schedules.

    Every setting given here (or by a KABAR_* variable) becomes a default of the
    deployment's runs, shown in the UI's custom-run form, where a run may change it.
    Needs a Prefect server (PREFECT_API_URL; see `prefect server start`). Runs can also be
    started from the UI ('Custom run') or with `prefect deployment run kabar/NAME`.
    Stop it with Ctrl-C.
    """
    if cron and interval:
        raise click.UsageError("Give --cron or --interval, not both.")
    config = _resolve(inbox, **given)
    from kabar.flows.briefing import briefing

    if not os.environ.get("PREFECT_API_URL"):
        click.secho(
            "warning: PREFECT_API_URL is not set, so this serves against a temporary server "
            "that no UI shows. Start one with `prefect server start` and export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api first.",
            fg="yellow",
            err=True,
        )
    parameters = _flow_parameters(config)
    # Absolute paths: the runs start in their own processes.
    for path in ("inbox", "output", "sources"):
        if parameters[path]:
            parameters[path] = str(Path(parameters[path]).expanduser().resolve())
    schedule = {"interval": interval} if interval else {"cron": cron or "0 * * * *"}
    briefing.serve(name=name, parameters=parameters, **schedule)


@main.group()
def sources() -> None:
    """News sources: feeds, sitemaps and article pages."""


@sources.command()
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    help="Sources file (TOML) [env KABAR_SOURCES].",
)
@click.option("--feed", "feeds", multiple=True, help="A feed or sitemap (repeatable).")
@click.option("--url", "urls", multiple=True, help="An article page (repeatable).")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The runs' output folder, whose cache records what they took [env KABAR_OUTPUT].",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The runs' cache folder, if not beside the output folder [env KABAR_CACHE_DIR].",
)
def check(
    sources_file: str | None,
    feeds: tuple[str, ...],
    urls: tuple[str, ...],
    output: Path | None,
    cache_dir: Path | None,
) -> None:
    """Fetch each source once and say what a run would take from it: items (less those
    earlier runs took), the newest item's date, robots.txt's verdict. Briefs nothing and
    records nothing."""
    config = _resolve(
        None, sources=sources_file, feeds=feeds, urls=urls,
        output=str(output) if output else None, cache_dir=str(cache_dir) if cache_dir else None,
    )  # fmt: skip
    listed = config.source_list()
    if not listed:
        raise click.UsageError("Name sources: --sources FILE, --feed URL or --url URL.")
    from kabar.tasks.fetch import check_source
    from kabar.tasks.seen import UnreadableStore, link_states
    from kabar.tasks.web import PoliteClient

    store = config.cache_folder()

    def states(urls: list[str]) -> dict[str, str]:
        try:
            return link_states(store, urls)
        except UnreadableStore as error:
            click.echo(f"(earlier runs' record unreadable, counted as none: {error})", err=True)
            return {}

    click.echo(f"Earlier runs' record: {store / 'seen.sqlite'}")
    failed = 0
    with PoliteClient(config.client_settings()) as client:
        for source in listed:
            verdict = check_source(source, client, states=states)
            failed += verdict["state"] == "failed"
            click.echo(f"{source.name}  {source.url}")
            for key in ("state", "message", "items", "newest", "robots"):
                if verdict.get(key) not in (None, ""):
                    click.echo(f"  {key}: {verdict[key]}")
    sys.exit(1 if failed else 0)


@main.command(name="settings")
@click.option("--markdown", is_flag=True, help="Print the README's table of every setting.")
def show_settings(markdown: bool) -> None:
    """Print the settings a run would use here (the defaults and KABAR_* variables)."""
    if markdown:
        click.echo(settings.settings_table())
        return
    config = _resolve(None)
    try:
        process = settings.process_settings()
    except settings.SettingsError as error:
        raise click.UsageError(str(error)) from None
    for name, value in [*config.model_dump().items(), *process.model_dump().items()]:
        click.echo(f"{name} = {value!r}")


@main.command()
@click.option(
    "--older-than", default="30d", show_default=True, help="Age: a number and s, m, h, d or w."
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The output folder [env KABAR_OUTPUT; default outputs].",
)
@click.option("--dry-run", is_flag=True, help="Say what would go; delete nothing.")
def prune(older_than: str, output: Path | None, dry_run: bool) -> None:
    """Delete old digests, and cache entries that no current brief was made from and no link
    waiting to be briefed needs (a page fetched, not briefed yet, stays)."""
    from kabar.tasks.prune import parse_age
    from kabar.tasks.prune import prune as prune_files

    try:
        age = parse_age(older_than)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from None
    config = _resolve(None, output=str(output) if output else None)
    report = prune_files(Path(config.output), config.cache_folder(), age, dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {counted(len(report.digests), 'digest')} and "
        f"{counted(len(report.cache_entries), 'cache entry')}"
    )


@main.command()
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The output folder [env KABAR_OUTPUT; default outputs].",
)
def stories(output: Path | None) -> None:
    """Print the stories of an output folder, newest-updated first: id, date, outlets,
    headline (read from its stories.json; the page is its index.html)."""
    from kabar.tasks.story_index import INDEX_NAME, read_index

    folder = Path(_resolve(None, output=str(output) if output else None).output)
    if not folder.is_dir():
        raise click.UsageError(f"Output folder '{folder}' does not exist.")
    listed = read_index(folder)
    if not listed:
        click.echo(
            f"{folder} has no stories yet ({INDEX_NAME} is missing or was written by an "
            "earlier Kabar): `kabar run` groups its articles.",
            err=True,
        )
        return
    for story in listed.values():
        span = " – ".join(dict.fromkeys(
            local_time(d) for d in (story.get("date"), story.get("updated")) if d
        )) or "undated"  # fmt: skip
        outlets = ", ".join(story.get("outlets") or []) or "unknown outlet"
        count = len(story.get("sources") or [])
        headline = " ".join(str(story.get("headline") or "(untitled)").split())
        click.echo(f"{story['story_id']}  {span}  {outlets}  ({counted(count, 'article')})")
        click.echo(f"    {headline}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
def clean(file: Path, as_json: bool) -> None:
    """Print the article extracted from one page's text (no model is loaded)."""
    from kabar.tasks.clean import clean_text
    from kabar.tasks.ingest import read_article

    source = read_article(file, _resolve(None).max_bytes)
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

    config = _resolve(None, translator=translator, summariser=summariser)
    for name in (config.translator, config.summariser):
        if name == "lead" or Path(name).expanduser().is_dir():
            continue
        try:
            click.echo(f"{name}: {model_files.download(name)}")
        except Exception as error:  # the hub's own message says what went wrong
            click.secho(f"error: could not download {name}: {error}", fg="red", err=True)
            sys.exit(2)


if __name__ == "__main__":
    main()
