"""Snapshot fixtures, one directory per case (ruff's and TorchFix's shape, multi-file).

``tests/fixtures/<CODE>/<case>/input/`` is a small project; ``expected.txt`` beside it holds the
findings of rule <CODE> on it (``path:row:col: CODE message``), and ``fixed/`` the files that
``--fix --unsafe-fixes`` changes, as they must read afterwards (files not there must not change).
Regenerate after an intended change with ``SERIALINT_UPDATE_SNAPSHOTS=1 pytest
tests/test_snapshots.py`` and read the diff before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from serialint.api import lint_paths
from serialint.catalogue import load_catalogue
from serialint.config import Config
from serialint.fixes import FixMode
from serialint.paths import relative_posix

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("SER*/*") if (p / "input").is_dir())
UPDATE = os.environ.get("SERIALINT_UPDATE_SNAPSHOTS") == "1"


def _render(root: Path, case: Path) -> str:
    code = case.parent.name
    result = lint_paths([root], Config(root=root), {code, "SER000"}, catalogue=load_catalogue())
    return "".join(
        f"{relative_posix(f.path, root)}:{f.start.row}:{f.start.column}: {f.code} {f.message}\n"
        for f in result.findings
    )


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_snapshot(case: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(case / "input", root)
    expected_path = case / "expected.txt"
    found = _render(root, case)
    if UPDATE:
        expected_path.write_text(found)
    assert found == expected_path.read_text(), f"findings of {case} changed"

    before = _files(root)
    code = case.parent.name
    lint_paths(
        [root], Config(root=root), {code, "SER000"}, fix=FixMode.UNSAFE, catalogue=load_catalogue()
    )
    after = _files(root)
    changed = {name: data for name, data in after.items() if before.get(name) != data}
    fixed_dir = case / "fixed"
    if UPDATE:
        shutil.rmtree(fixed_dir, ignore_errors=True)
        for name, data in changed.items():
            target = fixed_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    expected_fixed = _files(fixed_dir) if fixed_dir.is_dir() else {}
    assert changed == expected_fixed, f"--fix output of {case} changed"
    # Fixing again changes nothing: fixes are idempotent.
    lint_paths(
        [root], Config(root=root), {code, "SER000"}, fix=FixMode.UNSAFE, catalogue=load_catalogue()
    )
    assert _files(root) == after


def test_every_rule_has_snapshot_fixtures() -> None:
    from serialint.rules import ALL_RULES

    covered = {case.parent.name for case in CASES}
    assert {rule.code for rule in ALL_RULES} <= covered
