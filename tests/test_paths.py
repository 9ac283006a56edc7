"""Save and load paths, followed as far as the code makes them constant (project/paths.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialint.api import Workspace
from serialint.catalogue import load_catalogue
from serialint.config import Config

from .conftest import write_project


def _paths(tmp_path: Path, source: str) -> list[tuple[str | None, str | None]]:
    """(tail, extension) of the first argument of every ``save_weights`` call."""
    write_project(tmp_path, {"m.py": source})
    workspace, _ = Workspace.load([tmp_path], Config(root=tmp_path), None, load_catalogue())
    project = workspace.project
    module = next(iter(project.modules))
    found = []
    for site in sorted(module.facts.calls, key=lambda s: s.span.line):
        if getattr(site.call.func, "attr", None) == "save_weights":
            path = project.paths.of(module, site.call.argument(0, "filepath"))
            found.append((path.tail, path.extension) if path is not None else (None, None))
    return found


@pytest.mark.parametrize(
    ("expression", "tail", "extension"),
    [
        ('"model.h5"', "model.h5", ".h5"),
        ('f"{RUN}/epoch_{epoch}.ckpt"', ".ckpt", ".ckpt"),
        ('os.path.join(RUN, "last")', "runs/last", ""),
        ('"{}/model_{:02d}.h5".format(RUN, epoch)', ".h5", ".h5"),
        ('pathlib.Path(RUN) / "w.weights.h5"', "runs/w.weights.h5", ".h5"),
        ("str(FILE)", "best.weights.h5", ".h5"),
        ("RUN + name", None, None),  # ends in a part the code does not show
        ("sys.argv[1]", None, None),
    ],
)
def test_paths_are_followed_through_constants(
    expression: str, tail: str | None, extension: str | None, tmp_path: Path
) -> None:
    source = (
        "import os, pathlib, sys\n"
        'RUN = "runs"\nFILE = "best.weights.h5"\n'
        "def train(model, epoch, name):\n"
        f"    model.save_weights({expression})\n"
    )
    assert _paths(tmp_path, source) == [(tail, extension)]


def test_a_parameter_default_is_a_path_only_when_it_looks_like_one(tmp_path: Path) -> None:
    # `weights="imagenet"` is a sentinel the function branches on (keras-YOLOv3-model-set).
    source = (
        "def build(model, weights='imagenet', out='runs/w.h5'):\n"
        "    model.save_weights(weights)\n"
        "    model.save_weights(out)\n"
    )
    assert _paths(tmp_path, source) == [(None, None), ("runs/w.h5", ".h5")]
