"""Write what users read: per-article files and the run's digest, every write atomic."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path


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


def digest_markdown(entries: list[dict], started: datetime) -> str:
    """The run's briefs, newest article first; `new` marks briefs made in this run."""
    briefed = [e for e in entries if e.get("brief")]
    briefed.sort(key=lambda e: e["brief"].get("published") or "", reverse=True)
    lines = [f"# Kabar digest — {started:%Y-%m-%d %H:%M} UTC\n"]
    lines.append(f"{len(briefed)} briefs; {sum(e['new'] for e in briefed)} new in this run.\n")
    for entry in briefed:
        brief = entry["brief"]
        mark = " 🆕" if entry["new"] else ""
        facts = " · ".join(v for v in (brief["outlet"], brief["published"], brief["author"]) if v)
        names = ", ".join(map(_origin, [entry["source_file"], *entry["also_as"]]))
        lines.append(f"## {brief['headline'] or '(untitled)'}{mark}\n")
        lines.append(f"_{facts}_ — [brief]({entry['article_id']}/brief.md) — from {names}\n")
        lines.append(f"{brief['summary']}\n")
        lines.extend(f"> ⚠ {flag}\n" for flag in brief["flags"])
    problems = [e for e in entries if not e.get("brief") and not e.get("duplicate_of")]
    if problems:
        lines.append("## Not briefed\n")
        lines.extend(f"- {_origin(e['source_file'])}: {e['problem']}" for e in problems)
        lines.append("")
    return "\n".join(lines)


def publish_digest(output: Path, entries: list[dict]) -> Path:
    started = datetime.now(UTC)
    text = digest_markdown(entries, started)
    path = output / "digests" / f"{started:%Y%m%dT%H%M%S%fZ}.md"
    write_atomic(path, text)
    write_atomic(output / "digest.md", text)
    return path
