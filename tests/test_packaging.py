"""A wheel built from the repository works in a fresh virtualenv, catalogue included."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, cwd=cwd, check=False, timeout=600
    )


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = dist.glob("serialint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())
    for code in ("SER000", "SER101", "SER301", "SER401"):
        assert f"serialint/catalogue/{code}.toml" in packaged

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    installed = _run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel)
    assert installed.returncode == 0, installed.stderr[-3000:]

    # Run from a directory with no checkout around it, so only the installed package is used.
    rules = _run(bin_dir / "serialint", "rules", cwd=tmp_path)
    assert rules.returncode == 0, rules.stderr
    for code in ("SER101", "SER301", "SER401"):
        assert code in rules.stdout
    explain = _run(bin_dir / "serialint", "explain", "SER401", cwd=tmp_path)
    assert explain.returncode == 0 and "load-without-custom-objects" in explain.stdout

    project = tmp_path / "project"
    project.mkdir()
    (project / "m.py").write_text("import keras\n\nclass A(keras.layers.Layer):\n    pass\n")
    check = _run(
        bin_dir / "serialint", "check", project, "--output-format", "concise", cwd=tmp_path
    )
    assert check.returncode == 1, check.stderr
    assert "m.py:3:7: SER101" in check.stdout
