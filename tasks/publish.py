"""Write what users read: per-article files and the run's digest, every write atomic."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kabar.tasks.story_briefs import source_of, story_brief, story_markdown
from kabar.tasks.words import counted


class OutputError(RuntimeError):
    """The output folder cannot be written; the message says why and what to do."""


def explain_write_error(path: Path, error: OSError) -> str:
    """What failed, and what the user can do about it. Finished steps stay in the cache."""
    if error.errno == errno.ENOSPC:
        advice = "the disk is full: free some space and run again"
    elif error.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        advice = "a file stands where a folder should be (or the reverse): move it away"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "this process may not write there: choose another --output or fix permissions"
    else:
        advice = "check the output folder"
    return (
        f"cannot write {path}: {error.strerror or error}; {advice}. "
        "Finished steps are cached and will not be redone."
    )


def check_output_folder(output: Path) -> None:
    """Fail before any work if the output folder cannot be made or written."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=output, prefix=".kabar-probe-", delete=True)
        probe.close()
    except OSError as error:
        raise OutputError(explain_write_error(output, error)) from error


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); what users read may be served by a web
        # server running as another user.
        os.chmod(temporary, 0o644)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def publish_article(folder: Path, files: dict[str, dict | str]) -> None:
    """Write `name -> content` into the article's folder (dicts as JSON, strings as text)."""
    for name, content in files.items():
        if isinstance(content, dict):
            write_json(folder / name, content)
        else:
            write_atomic(folder / name, content)


def _origin(path: str) -> str:
    """An inbox file by its name, a fetched article by its link."""
    if path.startswith(("http://", "https://")):
        return f"<{path}>"
    return f"`{Path(path).name}`"


def digest_markdown(entries: list[dict], stories: list[dict] | None, started: datetime) -> str:
    """The run's briefs by story, the story updated last first; 🆕 marks briefs made in this
    run. `stories`: story briefs (tasks/story_briefs.py); a story is listed when it has a
    brief of this run. None (no story store): each brief is a story of its own."""
    briefed = [e for e in entries if e.get("brief")]
    if stories is None:
        stories = _one_story_each(briefed)
    this_run = {e["article_id"] for e in briefed}
    listed = [s for s in stories if this_run & {m["article_id"] for m in s["sources"]}]
    new = frozenset(e["article_id"] for e in briefed if e["new"])
    origins = {
        e["article_id"]: ", ".join(map(_origin, [e["source_file"], *e["also_as"]])) for e in briefed
    }
    lines = [f"# Kabar digest — {started:%Y-%m-%d %H:%M} UTC\n"]
    lines.append(
        f"{counted(len(listed), 'story')} from {counted(len(briefed), 'brief')}; "
        f"{len(new)} new in this run.\n"
    )
    lines.extend(story_markdown(s, level=2, new=new, origins=origins) for s in listed)
    problems = [e for e in entries if not e.get("brief") and not e.get("duplicate_of")]
    if problems:
        lines.append("## Not briefed\n")
        lines.extend(f"- {_origin(e['source_file'])}: {e['problem']}" for e in problems)
        lines.append("")
    return "\n".join(lines)


def _one_story_each(briefed: list[dict]) -> list[dict]:
    """Without grouping, each brief stands alone, newest first."""
    made = [
        story_brief(
            {
                "story_id": e["article_id"],
                "article_ids": [e["article_id"]],
                "date": e["brief"].get("published"),
                "updated": e["brief"].get("published"),
            },
            [source_of(e["article_id"], e["brief"])],
        )  # fmt: skip
        for e in briefed
    ]
    return sorted(made, key=lambda s: s["updated"] or "", reverse=True)


def publish_digest(output: Path, entries: list[dict], stories: list[dict] | None = None) -> Path:
    started = datetime.now(UTC)
    text = digest_markdown(entries, stories, started)
    path = output / "digests" / f"{started:%Y%m%dT%H%M%S%fZ}.md"
    write_atomic(path, text)
    write_atomic(output / "digest.md", text)
    return path
