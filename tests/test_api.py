"""The lint API every front end shares: lint paths, and lint one text within a known project."""

from __future__ import annotations

from pathlib import Path

from serialint.api import Workspace, lint_paths
from serialint.config import Config

from .conftest import write_project

FILES = {
    "layers.py": "import keras\nclass Scale(keras.layers.Layer): pass\n",
    "serve.py": "import keras\nfrom layers import Scale\n"
    "m = keras.saving.load_model('m.keras', custom_objects={'Scale': Scale})\n",
}


def test_lint_text_sees_the_buffer_and_the_project_around_it(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    workspace, _ = Workspace.load([tmp_path], Config(root=tmp_path))
    assert [f.code for f in workspace.lint_file(tmp_path / "layers.py").findings] == []
    # An editor buffer of serve.py that drops custom_objects: the layer now needs registering,
    # though nothing on disk changed.
    edited = "import keras\nm = keras.saving.load_model('m.keras')\n"
    assert [f.code for f in workspace.lint_text(tmp_path / "serve.py", edited).findings] == [
        "SER401"
    ]
    changed = workspace.replaced({tmp_path / "serve.py": edited})
    assert [f.code for f in changed.lint_file(tmp_path / "layers.py").findings] == ["SER101"]
    assert (tmp_path / "serve.py").read_text() == FILES["serve.py"]


def test_lint_text_of_a_new_file_and_of_broken_text(tmp_path: Path) -> None:
    write_project(tmp_path, FILES)
    workspace, _ = Workspace.load([tmp_path], Config(root=tmp_path))
    new = workspace.lint_text(tmp_path / "new.py", "import keras\nclass B(keras.Model): pass\n")
    assert [(f.code, f.start.row) for f in new.findings] == [("SER101", 2)]
    broken = workspace.lint_text(tmp_path / "new.py", "def (:\n")
    assert [f.code for f in broken.findings] == ["SER000"]


def test_lint_paths_and_the_workspace_agree(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            **FILES,
            "train.py": "import keras\nfrom layers import Scale\n"
            "keras.Sequential([Scale()]).save('m.keras')\nkeras.saving.load_model('m.keras')\n",
        },
    )
    config = Config(root=tmp_path)
    through_paths = [
        (f.path.name, f.code, f.start.row) for f in lint_paths([tmp_path], config).findings
    ]
    workspace, inputs = Workspace.load([tmp_path], config)
    through_workspace = sorted(
        (f.path.name, f.code, f.start.row)
        for p in inputs.targets
        for f in workspace.lint_file(p).findings
    )
    assert (
        through_paths
        == through_workspace
        == [("layers.py", "SER101", 2), ("train.py", "SER401", 4)]
    )
