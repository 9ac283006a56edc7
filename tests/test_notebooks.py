"""Jupyter notebooks: the code cells are one program, findings name their cell, suppression works
in cells, IPython syntax is skipped, a broken notebook is an SER000, and --fix rewrites only the
code cells' sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sarif_kit.validate import validation_errors

from serialint.cli import main

from .conftest import write_project

LAYER = ["class Scale(keras.layers.Layer):\n", "    def call(self, x):\n", "        return x * 2"]


def code(*lines: str, outputs: list[Any] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": outputs or [],
        "source": list(lines),
    }


def markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": [text]}


def notebook(*cells: dict[str, Any], language: str = "python") -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "k", "language": language, "name": "k"},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def jupyter(document: dict[str, Any]) -> str:
    """As Jupyter writes a notebook: indent 1, non-ASCII kept, a final line break."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# The layer is defined in cell 3 and saved, as .h5, in cell 9.
TRAINING = notebook(
    markdown("# Training\n"),
    code("%pip install keras\n", "import keras\n", "!nvidia-smi"),
    code(*LAYER),
    *[markdown(f"step {i}\n") for i in range(4, 8)],
    code("%%time\n", "x = 1\n"),
    code(
        "model = keras.Sequential([Scale()])\n",
        "model.save('model.h5')",
        outputs=[{"output_type": "stream", "name": "stdout", "text": ["done\n"]}],
    ),
)


def _write(root: Path, name: str, document: dict[str, Any] | str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else jupyter(document), encoding="utf-8")
    return path


def _json(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    main(["check", str(root), "--output-format", "json", *args])
    findings: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return findings


def test_cells_are_one_program_and_findings_name_their_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "train.ipynb", TRAINING)
    monkeypatch.chdir(tmp_path)
    assert main(["check", ".", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert "train.ipynb:cell 3:1:7: SER101 Custom layer `Scale`" in out
    assert "train.ipynb:cell 9:2:1: SER302 " in out
    assert "SER000" not in out and "(1 file checked)" in out
    found = {(f["code"], f["cell"], f["location"]["row"]) for f in _json(tmp_path, capsys)}
    assert found == {("SER101", 3, 1), ("SER302", 9, 2)}


def test_a_notebook_joins_the_project_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = "import keras\n\n\nclass Scale(keras.layers.Layer):\n    pass\n"
    write_project(
        tmp_path,
        {"pyproject.toml": "[tool.serialint]\n", "pkg/__init__.py": "", "pkg/layers.py": layers},
    )
    _write(
        tmp_path,
        "notebooks/serve.ipynb",
        notebook(
            code("import keras\n", "from pkg.layers import Scale\n"),
            code("m = keras.models.load_model('m.keras')"),
        ),
    )
    found = {(Path(f["filename"]).name, f["code"], f["cell"]) for f in _json(tmp_path, capsys)}
    assert ("serve.ipynb", "SER401", 2) in found and ("layers.py", "SER101", None) in found


@pytest.mark.parametrize(
    ("comment_cell", "expected"),
    [
        (code("# serialint: noqa: SER3\n"), {"SER101"}),
        (code("# serialint: noqa\n"), set()),
        (code("x = 1  # noqa: SER101\n"), {"SER101", "SER302"}),  # another row: no effect
    ],
)
def test_suppression_in_cells(
    comment_cell: dict[str, Any],
    expected: set[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = json.loads(json.dumps(TRAINING))
    document["cells"].append(comment_cell)
    _write(tmp_path, "nb.ipynb", document)
    assert {f["code"] for f in _json(tmp_path, capsys)} == expected


def test_noqa_on_the_reported_row_of_a_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(json.dumps(TRAINING))
    document["cells"][2]["source"][0] = "class Scale(keras.layers.Layer):  # noqa: SER101\n"
    _write(tmp_path, "nb.ipynb", document)
    assert {f["code"] for f in _json(tmp_path, capsys)} == {"SER302"}


def test_ipython_syntax_and_other_cells_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = notebook(
        markdown("Some *markdown* that is not Python: def (\n"),
        {"cell_type": "raw", "metadata": {}, "source": ["also {not python\n"]},
        code(
            "%load_ext autoreload\n", "files = !ls\n", "keras?\n", "?keras.Model\n", "import keras"
        ),
        code("if True:\n", "    !pip install tf-keras\n", "    %time x = 1\n"),
        code("%%bash\n", "echo $((1 + 2)) {\n"),
        code("%%writefile helper.py\n", "def (broken\n"),
        code("model = keras.Sequential()\n", "model.save('m.h5')"),
    )
    _write(tmp_path, "nb.ipynb", document)
    assert [(f["code"], f["cell"]) for f in _json(tmp_path, capsys)] == [("SER302", 7)]


def test_a_syntax_error_is_reported_in_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "nb.ipynb", notebook(code("import keras\n"), code("x = 1\n", "def (:\n")))
    [finding] = _json(tmp_path, capsys)
    assert (finding["code"], finding["cell"], finding["location"]["row"]) == ("SER000", 2, 2)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{ not json", "not valid JSON"),
        ("[1, 2]", "not an object"),
        (json.dumps({"nbformat": 3, "worksheets": []}), "nbformat 3 is not supported"),
        (json.dumps({"nbformat": 4, "metadata": {}}), "no `cells` list"),
        (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code"}]}), "cell 1 has no `source`"),
        (json.dumps({"nbformat": 4, "cells": [42]}), "cell 1 is not a cell"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_a_broken_notebook_is_an_ser000_and_the_rest_is_checked(
    content: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "broken.ipynb", content)
    _write(tmp_path, "good.ipynb", TRAINING)
    found = _json(tmp_path, capsys)
    [broken] = [f for f in found if f["filename"].endswith("broken.ipynb")]
    assert broken["code"] == "SER000" and says in broken["message"]
    assert {f["code"] for f in found if f["filename"].endswith("good.ipynb")} == {
        "SER101",
        "SER302",
    }


def test_a_notebook_of_another_language_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "r.ipynb", notebook(code("model.save('m.h5')"), language="R"))
    assert _json(tmp_path, capsys) == []


@pytest.mark.parametrize(("indent", "ensure_ascii"), [(1, False), (2, False), (1, True), (4, True)])
def test_fix_rewrites_only_the_code_cells_in_the_notebooks_own_layout(
    indent: int, ensure_ascii: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(json.dumps(TRAINING))
    document["cells"][0]["source"] = ["# Entraînement ✓\n"]  # non-ASCII outside the code
    document["metadata"]["custom"] = {"z": 1, "a": [1, 2]}  # key order is the file's
    text = json.dumps(document, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    path = _write(tmp_path, "nb.ipynb", text)
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 0
    capsys.readouterr()
    after = path.read_text(encoding="utf-8")
    fixed = json.loads(after)
    assert after == json.dumps(fixed, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    # Only code cells' sources changed; outputs, metadata and the other cells are as they were.
    for before_cell, after_cell in zip(document["cells"], fixed["cells"], strict=True):
        assert {k: v for k, v in before_cell.items() if k != "source"} == {
            k: v for k, v in after_cell.items() if k != "source"
        }
    assert fixed["metadata"] == document["metadata"]
    assert fixed["cells"][2]["source"][0].startswith("@keras.saving.register_keras_serializable(")
    assert fixed["cells"][8]["source"][-1] == "model.save('model.keras')"  # no line break added
    assert fixed["cells"][1]["source"] == document["cells"][1]["source"]  # magics kept
    assert fixed["cells"][7]["source"] == ["%%time\n", "x = 1\n"]
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 0  # nothing left
    assert path.read_text(encoding="utf-8") == after


def test_a_layout_that_cannot_be_kept_is_never_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compact = json.dumps(TRAINING, separators=(",", ":"))  # not a layout json.dumps indents
    path = _write(tmp_path, "nb.ipynb", compact)
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 1
    assert "was not applied" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == compact


def test_add_noqa_marks_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "nb.ipynb", TRAINING)
    assert main(["check", str(tmp_path), "--add-noqa"]) == 0
    capsys.readouterr()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert cells[2]["source"][0] == "class Scale(keras.layers.Layer):  # noqa: SER101\n"
    assert cells[8]["source"][-1] == "model.save('model.h5')  # noqa: SER302"
    assert main(["check", str(tmp_path)]) == 0


def test_ci_formats_point_into_the_notebook_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "nb.ipynb", TRAINING)
    (tmp_path / ".git").mkdir()
    json_lines = path.read_text(encoding="utf-8").split("\n")
    layer_row = next(i for i, line in enumerate(json_lines, 1) if "class Scale" in line)
    main(["check", str(tmp_path), "--output-format", "github"])
    github = capsys.readouterr().out.splitlines()
    assert github[0].startswith(
        f"::error title=serialint (SER101 unregistered-custom-object),file=nb.ipynb,line={layer_row}::"
    )
    assert "nb.ipynb:cell 3:1:7: SER101" in github[0]
    main(["check", str(tmp_path), "--output-format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    assert validation_errors(log) == []
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": layer_row}
    assert result["properties"]["notebook"] == {"cell": 3, "line": 1, "column": 7}
    assert result["message"]["text"].startswith("cell 3, line 1: ")
    main(["check", str(tmp_path), "--output-format", "gitlab"])
    gitlab = json.loads(capsys.readouterr().out)
    assert gitlab[0]["location"]["lines"]["begin"] == layer_row
    assert len({entry["fingerprint"] for entry in gitlab}) == 2


def test_checkpoints_are_not_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, ".ipynb_checkpoints/nb-checkpoint.ipynb", TRAINING)
    assert main(["check", str(tmp_path)]) == 0
    assert "No Python files found" in capsys.readouterr().err


def test_a_shell_escape_continued_with_backslashes_is_skipped_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The yolov3-tf2 Colab notebook: `!python tools/voc2012.py \\` and its continued lines."""
    escaped = code(
        "!python tools/voc2012.py \\\n",
        "  --data_dir './data/voc2009_raw' \\\n",
        "  --split train\n",
        "\n",
        "!python tools/voc2012.py \\\n",
        "  --split val",
    )
    document = notebook(code("import keras\n"), escaped, code("keras.Sequential().save('m.h5')"))
    path = _write(tmp_path, "nb.ipynb", document)
    assert [(f["code"], f["cell"]) for f in _json(tmp_path, capsys)] == [("SER302", 3)]
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 0
    capsys.readouterr()
    assert json.loads(path.read_text())["cells"][1] == escaped  # put back as it was


def test_a_notebooks_places_are_named_by_cell_in_other_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SER401 names the unregistered class where users see it: in its cell."""
    _write(
        tmp_path,
        "nb.ipynb",
        notebook(
            code("import keras\n"), code(*LAYER), code("m = keras.models.load_model('m.keras')")
        ),
    )
    [ser101, ser401] = sorted(_json(tmp_path, capsys), key=lambda f: f["code"])
    assert ser401["code"] == "SER401" and "`Scale` (nb.ipynb:cell 2:1)" in ser401["message"]
    assert ser101["code"] == "SER101" and ser101["cell"] == 2


def test_a_notebook_is_not_importable_and_hides_no_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`import layers` means layers.py, even beside a layers.ipynb."""
    registered = (
        "import keras\n\n\n@keras.saving.register_keras_serializable()\n"
        "class Scale(keras.layers.Layer):\n    pass\n"
    )
    write_project(
        tmp_path,
        {
            "pyproject.toml": "[tool.serialint]\n",
            "layers.py": registered,
            "serve.py": "import keras\nimport layers\n\nkeras.models.load_model('m.keras')\n",
        },
    )
    _write(tmp_path, "layers.ipynb", notebook(code("x = 1\n")))
    assert _json(tmp_path, capsys) == []


def test_a_notebook_loading_a_model_is_not_linked_to_another_notebooks_classes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tensorflow/ranking's docs: one tutorial notebook defines a model class, another loads an
    exported model; the second cannot hold the first's class without defining it itself."""
    write_project(tmp_path, {"pyproject.toml": "[tool.serialint]\n"})
    _write(tmp_path, "docs/quickstart.ipynb", notebook(code("import keras\n"), code(*LAYER)))
    loader = notebook(code("import keras\n", "m = keras.models.load_model('/tmp/export')"))
    _write(tmp_path, "docs/distributed.ipynb", loader)
    # A script that loads is still linked to it (a model trained in a notebook, served by it).
    (tmp_path / "docs" / "serve.py").write_text(
        "import keras\nkeras.models.load_model('m.keras')\n"
    )
    found = {(Path(f["filename"]).name, f["code"]) for f in _json(tmp_path, capsys)}
    assert found == {("quickstart.ipynb", "SER101"), ("serve.py", "SER401")}


def test_the_full_format_shows_the_cells_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It showed serialint's joined text (a `# serialint: cell 2` marker) at the cell's row."""
    _write(tmp_path, "nb.ipynb", TRAINING)
    main(["check", str(tmp_path)])
    out = capsys.readouterr().out
    assert "1 | class Scale(keras.layers.Layer):\n" in out
    assert "2 | model.save('model.h5')\n" in out
    assert "serialint: cell" not in out and "serialint: magic" not in out


def test_a_fix_that_edits_an_earlier_cell_says_which_cell_each_edit_is_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = notebook(
        code("from keras.layers import Layer\n"), code("class Scale(Layer):\n", "    pass")
    )
    _write(tmp_path, "nb.ipynb", document)
    [finding] = [f for f in _json(tmp_path, capsys) if f["code"] == "SER101"]
    edits = {
        (e["cell"], e["location"]["row"], e["content"].split("(")[0])
        for e in finding["fix"]["edits"]
    }
    assert (finding["cell"], finding["location"]["row"]) == (2, 1)
    assert (2, 1, "@keras.saving.register_keras_serializable") in edits
    assert any(cell == 1 and "import keras" in content for cell, _, content in edits), edits
