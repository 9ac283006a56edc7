"""The hooks in .pre-commit-hooks.yaml, driven by the real pre-commit tool through `git commit`
in a fresh repository that uses the README's snippet.

pre-commit installs serialint from a git repository at a revision. The test makes that repository
from this working tree (a snapshot commit), so it checks the code under test, committed or not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
LAYERS = "import keras\n\n\nclass Head(keras.layers.Layer):\n    pass\n"
REGISTERED = (
    "import keras\n\n\n@keras.saving.register_keras_serializable(package='app')\n"
    "class Head(keras.layers.Layer):\n    pass\n"
)
SERVE = (
    "import keras\n\nimport layers  # noqa: F401\n\nmodel = keras.models.load_model('m.keras')\n"
)


def _run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(repo, "git", *args, env=env)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    return {
        **os.environ,
        "HOME": str(home),  # no user-wide git configuration or hooks
        "PRE_COMMIT_HOME": str(home / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """This working tree as a git repository with one commit: (path, revision)."""
    listed = _git(ROOT, "ls-files", "-co", "--exclude-standard", "-z", env=env).stdout
    repo = tmp_path_factory.mktemp("serialint-snapshot")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    _git(repo, "init", "-q", env=env)
    _git(repo, "add", ".", env=env)
    _git(repo, "commit", "-q", "-m", "snapshot", env=env)
    revision = _git(repo, "rev-parse", "HEAD", env=env).stdout.strip()
    return repo, revision


def _snippet(hook: str, snapshot: tuple[Path, str]) -> str:
    """The README's .pre-commit-config.yaml, pointed at the snapshot."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- pre-commit-snippet.*?```yaml\n(.*?)```", readme, re.S)
    assert block is not None, "README.md lost its pre-commit snippet"
    text = block.group(1)
    path, revision = snapshot
    text = re.sub(r"repo: \S+", f"repo: {path}", text)
    text = re.sub(r"rev: \S+", f"rev: {revision}", text)
    assert "id: serialint\n" in text
    return text.replace("id: serialint\n", f"id: {hook}\n")


@pytest.fixture
def user_repo(tmp_path: Path, env: dict[str, str]) -> Iterator[Path]:
    repo = tmp_path / "user-project"
    repo.mkdir()
    _git(repo, "init", "-q", env=env)
    yield repo


def _install(repo: Path, config: str, env: dict[str, str]) -> None:
    (repo / ".pre-commit-config.yaml").write_text(config)
    installed = _run(repo, str(PRE_COMMIT), "install", env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr


def _commit(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    """``git add`` then ``git commit``; the hooks' output (git sends it to stderr) is in stdout."""
    _git(repo, "add", *files, env=env)
    done = _git(repo, "commit", "-m", "change", env=env)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout + done.stderr, "")


def test_the_hook_blocks_a_hazard_judged_across_files_and_passes_after_the_fix(
    user_repo: Path, env: dict[str, str], snapshot: tuple[Path, str]
) -> None:
    assert PRE_COMMIT.exists(), "pre-commit is part of the dev extra"
    _install(user_repo, _snippet("serialint", snapshot), env)
    (user_repo / "pyproject.toml").write_text('[tool.serialint]\nextend-exclude = ["legacy"]\n')
    (user_repo / "README.md").write_text("docs\n")
    first = _commit(user_repo, env, "pyproject.toml", ".pre-commit-config.yaml", "README.md")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "(no files to check)Skipped" in first.stdout
    (user_repo / "layers.py").write_text(LAYERS)
    _git(user_repo, "add", "layers.py", env=env)
    assert _git(user_repo, "commit", "-q", "--no-verify", "-m", "layers", env=env).returncode == 0

    # serve.py alone is committed; layers.py (unchanged, not passed) still informs the check.
    (user_repo / "serve.py").write_text(SERVE)
    blocked = _commit(user_repo, env, "serve.py")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "serve.py:5:9: SER401" in blocked.stdout and "`Head` (layers.py:4)" in blocked.stdout
    assert "layers.py:4:7" not in blocked.stdout  # only the files the commit changes

    # Registered: the blocked serve.py (still staged) goes in with it.
    (user_repo / "layers.py").write_text(REGISTERED)
    passed = _commit(user_repo, env, "layers.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "serve.py" in _git(user_repo, "ls-files", env=env).stdout

    # A notebook is passed too (types_or: jupyter), and its cells are checked.
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": ["%pip install keras\n", "import keras\n", "from layers import Head\n"],
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": ["model = keras.Sequential([Head()])\n", "model.save('model.h5')"],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (user_repo / "train.ipynb").write_text(json.dumps(notebook, indent=1) + "\n")
    in_notebook = _commit(user_repo, env, "train.ipynb")
    assert in_notebook.returncode == 1, in_notebook.stdout
    assert "train.ipynb:cell 3:2:1: SER302" in in_notebook.stdout
    _git(user_repo, "reset", "-q", env=env)

    # The configured exclude holds although pre-commit names the file (--force-exclude).
    (user_repo / "legacy").mkdir()
    (user_repo / "legacy" / "old.py").write_text(LAYERS)
    excluded = _commit(user_repo, env, "legacy/old.py")
    assert excluded.returncode == 0, excluded.stdout + excluded.stderr


def test_the_fix_hook_fixes_then_the_commit_goes_through(
    user_repo: Path, env: dict[str, str], snapshot: tuple[Path, str]
) -> None:
    _install(user_repo, _snippet("serialint-fix", snapshot), env)
    (user_repo / "pyproject.toml").write_text("[tool.serialint]\n")
    (user_repo / "app").mkdir()
    (user_repo / "app" / "__init__.py").write_text("")
    (user_repo / "app" / "layers.py").write_text(LAYERS)
    stopped = _commit(user_repo, env, ".")
    assert stopped.returncode == 1
    assert "files were modified by this hook" in stopped.stdout
    fixed = (user_repo / "app" / "layers.py").read_text()
    assert "@keras.saving.register_keras_serializable(" in fixed
    again = _commit(user_repo, env, ".")
    assert again.returncode == 0, again.stdout + again.stderr
