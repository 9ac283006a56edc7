"""The catalogue and the implementations match, and every documented example behaves as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialint.catalogue import RuleDoc, example_files, load_catalogue
from serialint.rules import ALL_RULES, RULES_BY_CODE

from .conftest import lint

CATALOGUE = load_catalogue()
RULE_DOCS = [doc for doc in CATALOGUE.values() if doc.kind == "rule"]


def test_catalogue_and_rule_modules_match_one_to_one() -> None:
    assert {doc.code for doc in RULE_DOCS} == {rule.code for rule in ALL_RULES}
    assert len(RULES_BY_CODE) == len(ALL_RULES)


def test_every_entry_is_complete_and_well_formed() -> None:
    names = [doc.name for doc in CATALOGUE.values()]
    assert len(names) == len(set(names))
    for doc in CATALOGUE.values():
        assert doc.name == doc.name.lower() and " " not in doc.name, doc.code
        assert doc.fix_safety in ("none", "safe", "unsafe", "mixed"), doc.code
        if doc.fix_safety == "mixed":
            assert doc.fix_safety_note, f"{doc.code}: a mixed fix says when it is safe"
        assert doc.what_it_does and doc.why_bad and doc.example and doc.use_instead, doc.code
        assert set(doc.keras_versions) <= {"2", "3"}, doc.code
        if doc.kind == "rule":
            assert doc.keras_error_k3, f"{doc.code} must quote the error Keras 3 raises"


@pytest.mark.parametrize("doc", RULE_DOCS, ids=lambda d: d.code)
def test_bad_example_triggers_its_rule(doc: RuleDoc, tmp_path: Path) -> None:
    findings = lint(tmp_path, example_files(doc.example))
    assert doc.code in {f.code for f in findings}


@pytest.mark.parametrize("doc", RULE_DOCS, ids=lambda d: d.code)
def test_good_example_is_quiet(doc: RuleDoc, tmp_path: Path) -> None:
    findings = lint(tmp_path, example_files(doc.use_instead))
    assert findings == []


_VALID = [(rule.code, i, src) for rule in ALL_RULES for i, src in enumerate(rule.VALID)]
_INVALID = [(rule.code, i, src) for rule in ALL_RULES for i, src in enumerate(rule.INVALID)]


@pytest.mark.parametrize(("code", "number", "source"), _VALID, ids=lambda v: str(v)[:20])
def test_rule_valid_snippets_are_quiet(code: str, number: int, source: str, tmp_path: Path) -> None:
    findings = lint(tmp_path, {"snippet.py": source})
    assert code not in {f.code for f in findings}, f"{code} VALID[{number}]"


@pytest.mark.parametrize(("code", "number", "source"), _INVALID, ids=lambda v: str(v)[:20])
def test_rule_invalid_snippets_are_reported(
    code: str, number: int, source: str, tmp_path: Path
) -> None:
    findings = lint(tmp_path, {"snippet.py": source})
    assert code in {f.code for f in findings}, f"{code} INVALID[{number}]"
