"""OUTPUT/stories.json: the stories an output folder shows, and each story's record across
runs (first published, last gained an article, ids merged into it). `kabar stories` reads it
without loading the flow."""

from __future__ import annotations

import json
from pathlib import Path

INDEX_NAME = "stories.json"
INDEX_VERSION = 1


def read_index(output: Path) -> dict[str, dict]:
    """The stories published there, by id, newest-updated first; {} when there are none (no
    run yet, or a folder written by a Kabar without stories, or an unreadable file)."""
    try:
        index = json.loads((output / INDEX_NAME).read_text(encoding="utf-8"))
        return {s["story_id"]: s for s in index["stories"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
