"""docs/rules/ is generated from the catalogue and must not go stale."""

from __future__ import annotations

from pathlib import Path

from serialint.catalogue import load_catalogue
from serialint.docs import rule_markdown, rules_index

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def test_rule_pages_match_the_catalogue() -> None:
    catalogue = load_catalogue()
    for doc in catalogue.values():
        page = DOCS / f"{doc.code}.md"
        assert page.read_text() == rule_markdown(doc), f"{page} is stale: run `make docs`"
    assert (DOCS / "README.md").read_text() == rules_index(catalogue), "run `make docs`"
    assert sorted(p.stem for p in DOCS.glob("SER*.md")) == sorted(catalogue)
