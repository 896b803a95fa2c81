"""Kabar's code is imported as one package: `kabar.flows`, `kabar.tasks`, never bare
`flows` or `tasks`, names that collide with other projects in a shared environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = re.compile(
    r"^\s*(from|import)\s+(flows|tasks|prompts)\b|[\"']-m[\"'],\s*[\"'](flows|tasks)\."
)


def test_no_code_imports_the_bare_folder_names():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("flows", "tasks", "tests", "bench", "scripts")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE.search(line)
    ]
    assert offenders == []


def test_the_folders_are_the_package():
    import kabar.flows.briefing
    import kabar.prompts
    import kabar.tasks.clean

    assert Path(kabar.flows.briefing.__file__).parent.name == "flows"
    assert Path(kabar.tasks.clean.__file__).parent.name == "tasks"
    assert (Path(kabar.prompts.__file__).parent / "brief.md").is_file()
