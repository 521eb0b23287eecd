"""The documentation in docs/ is the repository's own: generated parts match the code, and
every docs/ file the code or the README cites exists."""

from __future__ import annotations

import re
from pathlib import Path

from remnant.datadict import data_dictionary

ROOT = Path(__file__).resolve().parents[1]
CITING = [
    ROOT / "README.md",
    *ROOT.joinpath("src").rglob("*.py"),
    *ROOT.joinpath("src").rglob("*.toml"),
]


def test_data_dictionary_matches_the_records_module():
    written = (ROOT / "docs" / "data-dictionary.md").read_text("utf-8")
    assert written == data_dictionary(), (
        "docs/data-dictionary.md is stale: .venv/bin/python -m remnant.datadict "
        "> docs/data-dictionary.md"
    )


def test_every_cited_document_exists_and_no_outside_design_is_cited():
    cited = set()
    for path in CITING:
        text = path.read_text("utf-8")
        assert "DESIGN" not in text, f"{path} cites a design document outside the repository"
        cited |= set(re.findall(r"docs/[\w./-]+\.md", text))
    missing = sorted(c for c in cited if not (ROOT / c).exists())
    assert cited
    assert not missing, missing
