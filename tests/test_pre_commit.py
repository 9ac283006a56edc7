"""The hook in .pre-commit-hooks.yaml, driven by the real pre-commit tool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_hook_blocks_an_unregistered_layer_and_passes_after_the_fix(tmp_path: Path) -> None:
    assert PRE_COMMIT.exists(), "pre-commit is part of the dev extra"
    repo = tmp_path / "user-project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "layers.py").write_text("import keras\n\nclass Head(keras.layers.Layer):\n    pass\n")
    # A file that does not change still informs the check of the one that does.
    (repo / "serve.py").write_text("import keras\nfrom layers import Head\n")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(ROOT), "serialint", "--files", "layers.py"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    blocked = try_repo()
    assert blocked.returncode == 1, blocked.stdout[-3000:] + blocked.stderr[-3000:]
    assert "layers.py:3:7: SER101" in blocked.stdout

    (repo / "layers.py").write_text(
        "import keras\n\n@keras.saving.register_keras_serializable(package='app')\n"
        "class Head(keras.layers.Layer):\n    pass\n"
    )
    _git(repo, "add", ".")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
