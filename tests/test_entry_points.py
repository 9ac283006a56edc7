"""Every entry point gives the same findings: ``serialint check``, standard input
(``--stdin-filename``, as editors and format-on-save tools use it), the language server, and the
flake8 plugin, on one project whose hazards span files."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import write_project
from .test_lsp_server import session

Location = tuple[str, int, int, str]  # (path relative to the root, row, column, code)

PROJECT = {
    "pyproject.toml": '[project]\nname = "demo"\n\n[tool.serialint]\n',
    "app/__init__.py": "",
    "app/layers.py": (
        "import keras\n\n\nclass Scale(keras.layers.Layer):\n    def call(self, x):\n"
        "        return x * 2\n\n\nclass Gate(keras.layers.Layer):\n"
        "    def __init__(self, units, **kwargs):\n        super().__init__(**kwargs)\n"
        "        self.units = units\n"
    ),
    "app/train.py": (
        "import pickle\n\nimport keras\n\nfrom app.layers import Gate, Scale\n\n"
        "model = keras.Sequential([Scale(), Gate(4), keras.layers.Lambda(lambda x: x + 1)])\n"
        "model.save('model.h5')\nwith open('m.pkl', 'wb') as f:\n    pickle.dump(model, f)\n"
    ),
    "serve.py": (
        "import keras\n\nimport app.layers  # noqa: F401\n\n"
        "model = keras.models.load_model('model.keras')\n"
    ),
}
FILES = sorted(name for name in PROJECT if name.endswith(".py") and name != "app/__init__.py")


def _cli(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "serialint", "check", "--output-format", "json", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _from_json(root: Path, out: str) -> set[Location]:
    return {
        (
            Path(f["filename"]).resolve().relative_to(root.resolve()).as_posix(),
            f["location"]["row"],
            f["location"]["column"],
            f["code"],
        )
        for f in json.loads(out)
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_project(tmp_path, PROJECT)
    return tmp_path


@pytest.fixture
def expected(root: Path) -> set[Location]:
    run = _cli(root, ".")
    assert run.returncode == 1, run.stderr
    found = _from_json(root, run.stdout)
    # The project is built to reach every family, across files.
    assert {code[:4] for *_, code in found} >= {"SER1", "SER2", "SER3", "SER4"}
    assert {path for path, *_ in found} == set(FILES)
    return found


def test_standard_input_gives_the_same_findings(root: Path, expected: set[Location]) -> None:
    found: set[Location] = set()
    for name in FILES:
        run = _cli(root, "--stdin-filename", name, stdin=(root / name).read_text())
        assert run.returncode == 1, run.stderr
        found |= _from_json(root, run.stdout)
    assert found == expected


def test_the_language_server_gives_the_same_findings(root: Path, expected: set[Location]) -> None:
    async def scenario() -> set[Location]:
        found: set[Location] = set()
        async with session(root, cwd=root) as s:
            for name in FILES:
                uri = s.open(root / name)
                for d in await s.diagnostics(uri):
                    # ASCII sources: LSP's 0-based UTF-16 columns are characters.
                    found.add(
                        (name, d.range.start.line + 1, d.range.start.character + 1, str(d.code))
                    )
        return found

    assert asyncio.run(asyncio.wait_for(scenario(), 60)) == expected


def test_the_flake8_plugin_gives_the_same_findings(root: Path, expected: set[Location]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "SER", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    found = set()
    for line in run.stdout.splitlines():
        path, row, column, rest = line.split(":", 3)
        found.add((path.removeprefix("./"), int(row), int(column), rest.split()[0]))
    assert found == expected
