"""The bundled example project: serialint's findings, and what really happens under TensorFlow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from serialint.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_demo_reports_the_planted_hazards_and_nothing_else(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", str(EXAMPLES), "--output-format", "concise"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if ": SER" in line]
    found = sorted((Path(line.split(":")[0]).name, line.split()[1]) for line in lines)
    assert found == [
        ("layers.py", "SER101"),  # ScaledDense
        ("objectives.py", "SER101"),  # FocalLoss
        ("predict.py", "SER401"),  # load_for_serving
        ("train.py", "SER301"),  # pickle.dump(model)
    ]
    text = "\n".join(lines)
    assert "`ScaledDense`" in text and "`FocalLoss`" in text
    for correct in ("TokenAndPositionEmbedding", "PositiveRate"):
        assert correct not in text


def _python(script: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
        "KERAS_BACKEND": "tensorflow",
        "PYTHONPATH": str(cwd),
    }
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.tensorflow
def test_the_planted_hazards_really_break_under_tensorflow(tmp_path: Path) -> None:
    project = tmp_path / "examples"
    shutil.copytree(EXAMPLES, project)  # the scripts write artifacts/; never into the repo

    trained = _python("train.py", project)
    assert trained.returncode == 0, trained.stderr[-3000:]
    assert (project / "artifacts" / "sentiment.keras").is_file()

    # SER401 (and SER101 behind it): the serving load, without custom_objects, fails.
    serving = _python("predict.py", project, "--serving")
    assert serving.returncode != 0
    assert "Could not locate class 'ScaledDense'" in serving.stderr

    # The correct counterpart, with custom_objects, loads and predicts.
    evaluation = _python("predict.py", project)
    assert evaluation.returncode == 0, evaluation.stderr[-3000:]
    assert evaluation.stdout.strip().startswith("[")

    # SER301: the pickle written by train.py cannot be loaded by a fresh process, even one that
    # imports the module defining the custom layer.
    unpickle = (
        "import pickle, sentiment.layers, sentiment.objectives\n"
        "pickle.load(open('artifacts/sentiment.pkl', 'rb'))\n"
    )
    (project / "unpickle.py").write_text(unpickle)
    unpickled = _python("unpickle.py", project)
    assert unpickled.returncode != 0
    assert "Could not locate class 'ScaledDense'" in unpickled.stderr

    # The history pickle beside it is plain data and loads fine.
    (project / "history.py").write_text(
        "import pickle\nprint(sorted(pickle.load(open('artifacts/history.pkl', 'rb'))))\n"
    )
    history = _python("history.py", project)
    assert history.returncode == 0 and "loss" in history.stdout


@pytest.mark.tensorflow
def test_the_fix_makes_the_serving_load_work(tmp_path: Path) -> None:
    """`serialint check --fix` registers the two classes; the load that failed then works, and
    the saved file stores the registered names ``sentiment>Name``."""
    import json
    import zipfile

    project = tmp_path / "examples"
    shutil.copytree(EXAMPLES, project)
    assert main(["check", str(project), "--fix", "--select", "SER101"]) == 0
    for name in ("layers.py", "objectives.py"):
        assert (
            'register_keras_serializable(package="sentiment")'
            in (project / "sentiment" / name).read_text()
        )

    trained = _python("train.py", project)
    assert trained.returncode == 0, trained.stderr[-3000:]
    serving = _python("predict.py", project, "--serving")
    assert serving.returncode == 0, serving.stderr[-3000:]
    assert serving.stdout.strip().startswith("[")

    with zipfile.ZipFile(project / "artifacts" / "sentiment.keras") as archive:
        config = json.loads(archive.read("config.json"))
    names = {layer["registered_name"] for layer in config["config"]["layers"]}
    assert "sentiment>ScaledDense" in names
    assert config["compile_config"]["loss"]["registered_name"] == "sentiment>FocalLoss"
