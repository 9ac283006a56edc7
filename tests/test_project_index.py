"""Pass 1: cross-module facts (hierarchies, re-exports, registrations, load sites)."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialint.project.modules import module_name_for

from .conftest import codes_at, lint, write_project


def test_base_class_resolved_across_modules_and_packages(tmp_path: Path) -> None:
    files = {
        "proj/__init__.py": "",
        "proj/base.py": "import tensorflow as tf\n\nclass Block(tf.keras.layers.Layer):\n    pass\n",
        # Re-exported through the package, imported relatively.
        "proj/blocks/__init__.py": "from ..base import Block\n",
        "proj/blocks/residual.py": "from . import Block as B\n\nclass Residual(B):\n    pass\n",
        "proj/blocks/deep.py": "from proj.blocks.residual import Residual\n\nclass Deep(Residual):\n"
        "    pass\n",
        "train.py": "from proj.blocks.deep import Deep\nlayer = Deep()\n",
    }
    findings = lint(tmp_path, files)
    # Block and Residual are subclassed and never instantiated: abstract; Deep is concrete.
    assert codes_at(findings) == [("SER101", "deep.py", 3)]
    assert "layer `Deep`" in findings[0].message


def test_instantiated_base_is_concrete_even_when_subclassed(tmp_path: Path) -> None:
    source = (
        "import keras\n"
        "class Block(keras.layers.Layer):\n    pass\n"
        "class Wide(Block):\n    pass\n"
        "layers = [Block(), Wide()]\n"
    )
    assert [f.start.row for f in lint(tmp_path, {"m.py": source})] == [2, 4]


def test_registration_idioms(tmp_path: Path) -> None:
    files = {
        "reg.py": "import keras\n\ndef register(cls):\n"
        "    return keras.saving.register_keras_serializable(package='p')(cls)\n",
        "layers.py": (
            "import keras\nfrom reg import register\n"
            "serializable = keras.saving.register_keras_serializable(package='p')\n\n"
            "@register\nclass ByWrapper(keras.layers.Layer):\n    pass\n\n"
            "@serializable\nclass ByAlias(keras.layers.Layer):\n    pass\n\n"
            "class ByCustomObjects(keras.layers.Layer):\n    pass\n\n"
            "keras.utils.get_custom_objects()['ByCustomObjects'] = ByCustomObjects\n"
        ),
    }
    assert lint(tmp_path, files) == []


def test_custom_objects_from_a_variable_and_a_scope_count(tmp_path: Path) -> None:
    files = {
        "layers.py": "import keras\n\nclass A(keras.layers.Layer):\n    pass\n",
        "serve.py": (
            "import keras\nfrom layers import A\n"
            "CUSTOM = {'A': A}\n"
            "m1 = keras.models.load_model('a.keras', custom_objects=CUSTOM)\n"
            "with keras.saving.custom_object_scope({'A': A}):\n"
            "    m2 = keras.models.load_model('b.keras')\n"
        ),
    }
    assert lint(tmp_path, files) == []


def test_weights_only_projects_do_not_need_registration(tmp_path: Path) -> None:
    source = (
        "import keras\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "model = keras.Sequential([A()])\n"
        "model.save_weights('ckpt.weights.h5')\n"
        "cb = keras.callbacks.ModelCheckpoint('best.weights.h5', save_weights_only=True)\n"
    )
    assert lint(tmp_path, {"train.py": source}) == []
    # A full-model checkpoint makes registration matter again.
    full = source.replace(", save_weights_only=True", "")
    assert codes_at(lint(tmp_path, {"train.py": full})) == [("SER101", "train.py", 2)]


def test_model_values_flow_through_project_functions_and_modules(tmp_path: Path) -> None:
    files = {
        "model_zoo.py": (
            "import tensorflow as tf\n"
            "def build():\n    net = tf.keras.Sequential()\n    return net\n"
        ),
        "save.py": (
            "import joblib\nfrom model_zoo import build\n"
            "model = build()\njoblib.dump(model, 'model.joblib')\n"
        ),
    }
    assert codes_at(lint(tmp_path, files)) == [("SER301", "save.py", 4)]


def test_module_names_follow_packages(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg" / "sub").mkdir(parents=True)
    for rel in ("src/pkg/__init__.py", "src/pkg/sub/__init__.py", "src/pkg/sub/mod.py", "run.py"):
        (tmp_path / rel).write_text("")
    assert module_name_for(tmp_path / "src/pkg/sub/mod.py") == ("pkg.sub.mod", False)
    assert module_name_for(tmp_path / "src/pkg/__init__.py") == ("pkg", True)
    assert module_name_for(tmp_path / "run.py") == ("run", False)
    # keras-hub: a directory without __init__.py inside a package is a namespace package.
    (tmp_path / "src" / "pkg" / "sub" / "edrec").mkdir()
    (tmp_path / "src" / "pkg" / "sub" / "edrec" / "layers.py").write_text("")
    assert module_name_for(tmp_path / "src/pkg/sub/edrec/layers.py") == (
        "pkg.sub.edrec.layers",
        False,
    )
    (tmp_path / "scripts").mkdir()
    assert module_name_for(tmp_path / "scripts" / "tool.py") == ("tool", False)


def test_namespace_packages_resolve_by_path_suffix(tmp_path: Path) -> None:
    files = {
        "models/custom.py": "import keras\nclass Net(keras.Model):\n    pass\n",
        "scripts/infer.py": "import keras\nfrom models.custom import Net\n"
        "m = keras.models.load_model('m.keras')\n",
    }
    assert codes_at(lint(tmp_path, files)) == [
        ("SER101", "custom.py", 2),
        ("SER401", "infer.py", 3),
    ]


def test_classes_in_keras_own_packages_are_found_by_module_import(tmp_path: Path) -> None:
    # Keras 3 imports the recorded module itself for keras, keras_hub, keras_cv and keras_nlp.
    files = {
        "keras_hub/__init__.py": "",
        "keras_hub/layers.py": "import keras\n\nclass Rotary(keras.layers.Layer):\n    pass\n",
        "keras_hub/pickling_test.py": "import pickle, keras\nfrom keras_hub.layers import Rotary\n"
        "pickle.dumps(keras.Sequential([Rotary()]))\n",
    }
    assert lint(tmp_path, files) == []
    assert [f.code for f in lint(tmp_path, files, keras_version=2)] == ["SER101"]


def test_a_load_is_linked_only_to_classes_its_program_can_contain(tmp_path: Path) -> None:
    files = {
        # Two unrelated tutorial scripts: each defines its own classes.
        "guides/gan.py": "import keras\n\nclass GAN(keras.Model):\n    pass\n",
        "guides/reload.py": (
            "import keras\n\n@keras.saving.register_keras_serializable(package='g')\n"
            "class Net(keras.Model):\n    pass\n\nm = keras.models.load_model('net.keras')\n"
        ),
        # A bare serving script next to the training code it serves.
        "app/train.py": "import keras\n\nclass Head(keras.layers.Layer):\n    pass\n",
        "app/serve.py": "import keras\nm = keras.models.load_model('head.keras')\n",
        # A bare loader in a directory without Keras classes may load any model the project
        # trains (CRNN.tf2's tools/demo.py loading what crnn/ saves).
        "tools/inspect.py": "import keras\nm = keras.models.load_model('any.keras')\n",
    }
    found = codes_at(lint(tmp_path, files))
    assert ("SER401", "serve.py", 2) in found
    assert ("SER401", "inspect.py", 2) in found
    assert not any(code == "SER401" and name == "reload.py" for code, name, _ in found)


def test_both_rules_read_the_same_load_fact(tmp_path: Path) -> None:
    # Issue 11's reproducer: `load_model(path, *rest)` may pass custom_objects positionally.
    # It was quiet alone and reported once a bare load joined it in the same file.
    layer = "import keras\nclass A(keras.layers.Layer):\n    pass\nkeras.Sequential([A()]).save('m.keras')\n"
    star = "import keras\ndef load(path, *rest):\n    return keras.models.load_model(path, *rest)\n"
    assert codes_at(lint(tmp_path, {"a.py": layer, "load.py": star})) == [("SER101", "a.py", 2)]
    both = star + "def bare(path):\n    return keras.models.load_model(path)\n"
    assert codes_at(lint(tmp_path, {"a.py": layer, "load.py": both})) == [
        ("SER101", "a.py", 2),
        ("SER401", "load.py", 5),
    ]


def test_answers_do_not_depend_on_the_order_of_questions(tmp_path: Path) -> None:
    from serialint.api import Workspace
    from serialint.config import Config

    files = {
        # An inheritance cycle, a registration helper that calls itself, a re-export cycle.
        "cyc.py": "import keras\nclass A(B): pass\nclass B(A): pass\n"
        "def reg(c):\n    return reg(c)\n",
        "pkg/__init__.py": "from pkg.mod import *\n",
        "pkg/mod.py": "from pkg import *\nimport keras\nclass L(keras.layers.Layer): pass\n"
        "@__import__('cyc').reg\nclass M(L): pass\nM()\n",
    }
    write_project(tmp_path, files)
    answers = []
    for order in (1, -1):
        workspace, _ = Workspace.load([tmp_path], Config(root=tmp_path))
        project = workspace.project
        classes = list(project.classes.all.values())[::order]
        answers.append(
            {
                c.qualname: (
                    project.classes.keras_kind(c),
                    project.is_registered(c),
                    project.is_concrete(c),
                    project.is_internal(c),
                    project.persisted_by_class_name(c),
                )
                for c in classes
            }
        )
    assert answers[0] == answers[1]


def test_a_lone_file_without_a_project_marker_is_its_own_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from serialint.cli import main

    # Code beside the file must neither be read nor change the verdict, unless it is named.
    (tmp_path / "lone.py").write_text(
        "import keras\nfrom saver import save\nclass A(keras.layers.Layer): pass\n"
        "keras.Sequential([A()]).save_weights('w.weights.h5')\n"
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "saver.py").write_text(
        "def save(model, path):\n    model.save(path)\n"  # a generic whole-model save
    )
    (tmp_path / "other" / "broken.py").write_bytes(b"\x00\x01 not python")
    assert main(["check", str(tmp_path / "lone.py")]) == 0
    assert "All checks passed! (1 file checked)" in capsys.readouterr().out
    # Named together, they are one project: the generic save it imports may store A by name.
    assert main(["check", str(tmp_path / "lone.py"), str(tmp_path / "saver.py")]) == 1
