"""``--confirm`` regressions found by running it on real projects (keras-io, DeepCTR,
YOLOv3-model-set, bert4keras, tensorflow/addons, keras-hub, the Keras repository): each case is
the smallest project showing what went wrong there, with the verdict it must get now.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from serialint.findings import VerdictKind

from .confirm_cases import Case, Outcome, confirm_cases, only, simple_layer

pytestmark = pytest.mark.tensorflow

LAYER = simple_layer("Scale")

CASES = [
    # bert4keras, tensorflow/addons: a save replayed in a module whose import fails was
    # "confirmed" by the ModuleNotFoundError.
    Case(
        "save-import-fails",
        "SER303",
        {
            "train.py": "import keras\nimport gym_not_installed\n\n"
            "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
            'model.save("saved_model")\n'
        },
    ),
    # keras-io guides: a tutorial defines CustomDense twice; the copy keeps the last one.
    Case(
        "shadowed",
        "SER101",
        {
            "guide.py": LAYER.replace("Scale", "Linear")
            + "\n\nfirst = Linear()\n\n\n"
            + LAYER.replace("import keras\n", "").replace("Scale", "Linear")
            + "\n\nsecond = Linear()\n"
        },
    ),
    # DeepCTR: ``if tf_version < ...: from .rnn import X / else: from .rnn_v2 import X``; the
    # project keeps one binding, the copy needs the branch that runs.
    Case(
        "both-branches",
        "SER101",
        {
            "pkg/__init__.py": "",
            "pkg/old.py": "VALUE = 1\n",
            "pkg/new.py": "VALUE = 2\n",
            "pkg/layers.py": "import keras\n\nif keras.__version__ < '3':\n"
            "    from .old import VALUE\nelse:\n    from .new import VALUE\n\n\n"
            + LAYER.replace("import keras\n", ""),
            "train.py": "import keras\nfrom pkg.layers import Scale\n\n"
            "model = keras.Sequential([keras.Input((3,)), Scale()])\n"
            'model.save("m.keras")\n',
        },
    ),
    # YOLOv3-model-set: ``common/`` has no __init__.py and is imported as ``common.utils``.
    Case(
        "namespace-package",
        "SER101",
        {
            "common/utils.py": LAYER,
            "train.py": "import keras\nfrom common.utils import Scale\n\n"
            "model = keras.Sequential([keras.Input((3,)), Scale()])\n"
            'model.save("m.keras")\n',
        },
    ),
    # The Keras repository: its own ``keras`` package is the Keras the worker runs.
    Case(
        "named-like-keras",
        "SER101",
        {"keras/__init__.py": "", "keras/layer.py": LAYER},
        at=("keras/layer.py", "class Scale"),
    ),
    # keras/src/initializers: ``Identity()`` replays nothing that is lost; a call passing the
    # argument does.
    Case(
        "most-arguments",
        "SER103",
        {
            "layers.py": """import keras


class Gain(keras.layers.Layer):
    def __init__(self, gain=1.0, **kwargs):
        super().__init__(**kwargs)
        self.gain = gain

    def call(self, inputs):
        return inputs * self.gain

    def get_config(self):
        return super().get_config()


plain = Gain()
strong = Gain(gain=3.0)
"""
        },
    ),
    # keras-hub: a package __init__ that sets up its own __path__ (and a settings module
    # reading the environment with strtobool) must still import.
    Case(
        "package-path",
        "SER101",
        {
            "hub/__init__.py": "import pkgutil\n\n__path__ = pkgutil.extend_path(__path__, __name__)\n"
            "from hub.settings import IS_TF_KERAS\n",
            "hub/settings.py": "import os\n\nIS_TF_KERAS = bool(os.environ.get('TF_KERAS', ''))\n",
            "hub/layers.py": "from hub.settings import IS_TF_KERAS\n" + LAYER,
            "train.py": "import keras\nfrom hub.layers import Scale\n\n"
            "model = keras.Sequential([keras.Input((3,)), Scale()])\n"
            'model.save("m.keras")\n',
        },
    ),
]


# bert4keras, keras-io: saves made by a ModelCheckpoint callback.
CHECKPOINTS = """import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
weights = keras.callbacks.ModelCheckpoint("w.{epoch:02d}.h5", save_weights_only=True)
legacy = keras.callbacks.ModelCheckpoint("best.h5")
directory = keras.callbacks.ModelCheckpoint("best_dir")
fine = keras.callbacks.ModelCheckpoint("best.keras")
"""
CASES += [
    Case(f"checkpoint-{code}", code, {"train.py": CHECKPOINTS})
    for code in ("SER302", "SER303", "SER306")
]
CASES.append(
    Case(
        "checkpoint-fine",
        "SER303",
        {"train.py": CHECKPOINTS},
        at=("train.py", 'keras.callbacks.ModelCheckpoint("best.keras'),
    )
)


# The review: a load needing a registered *function* was replayed with a stand-in without it.
REGISTERED_FUNCTION = {
    "acts.py": "import keras\n\n\n"
    '@keras.saving.register_keras_serializable(package="acts")\n'
    "def scaled_tanh(x):\n    return 1.7 * keras.activations.tanh(x)\n",
    "train.py": "import keras\n\nfrom acts import scaled_tanh\n\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=scaled_tanh)])\n"
    'model.save("model.keras")\n',
    "serve.py": 'import keras\n\nmodel = keras.saving.load_model("model.keras")\n',
}
CASES += [
    Case("function-not-imported", "SER406", REGISTERED_FUNCTION),
    Case(
        "function-imported",
        "SER406",
        {
            **REGISTERED_FUNCTION,
            "serve.py": "import keras\n\nimport acts  # noqa: F401\n\n"
            'model = keras.saving.load_model("model.keras")\n',
        },
        at=("serve.py", "keras.saving.load_model("),
    ),
]


# The second dogfood run: keras-aug's random layers were "confirmed" by outputs that differ on
# every call; tf-TabNet's tabnet/tabnet.py hid its own package when its folder went on sys.path;
# bert4keras patches keras.backend at top level (``K.symbolic = symbolic``).
CASES += [
    Case(
        "random-outputs",
        "SER103",
        {
            "layers.py": """import keras


class Noisy(keras.layers.Layer):
    def __init__(self, rate=0.5, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        return inputs + keras.random.uniform(keras.ops.shape(inputs))

    def get_config(self):
        return super().get_config()
"""
        },
    ),
    Case(
        "module-named-like-its-package",
        "SER101",
        {
            "tabnet/__init__.py": "from tabnet.tabnet import Block\n",
            "tabnet/tabnet.py": "from tabnet.custom import Scale as Block\n",
            "tabnet/custom.py": LAYER,
            "train.py": "import keras\nfrom tabnet import Block\n\n"
            "model = keras.Sequential([keras.Input((3,)), Block()])\n"
            'model.save("m.keras")\n',
        },
    ),
    Case(
        "patches-an-import",
        "SER101",
        {
            "layers.py": "import keras\nimport keras.ops as K\n\n\ndef double(x):\n"
            "    return x * 2.0\n\n\nK.double_it = double\n\n\n"
            + LAYER.replace("import keras\n", "").replace("inputs * 2.0", "K.double_it(inputs)")
            + "\n\nmodel = keras.Sequential([keras.Input((3,)), Scale()])\n"
        },
    ),
]


def test_random_outputs_are_not_a_difference(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["random-outputs"])
    assert verdict.kind is VerdictKind.NOT_REPRODUCED, verdict.describe()


@pytest.mark.parametrize("name", ["module-named-like-its-package", "patches-an-import"])
def test_the_copy_imports_as_the_program_does(outcomes: dict[str, Outcome], name: str) -> None:
    verdict = only(outcomes[name])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()


def test_a_load_needing_a_registered_function_is_replayed_with_it(
    outcomes: dict[str, Outcome],
) -> None:
    verdict = only(outcomes["function-not-imported"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert "Could not locate function 'acts>scaled_tanh'" in verdict.message
    imported = only(outcomes["function-imported"])
    assert imported.kind is VerdictKind.NOT_REPRODUCED, imported.describe()


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("SER306", "must end in `.weights.h5`"),
        ("SER302", "considered legacy"),
        ("SER303", "must end in `.keras`"),
    ],
)
def test_a_checkpoint_callback_is_replayed_by_a_fit(
    outcomes: dict[str, Outcome], code: str, shown: str
) -> None:
    verdict = only(outcomes[f"checkpoint-{code}"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert shown in verdict.describe()


def test_a_checkpoint_to_a_keras_file_is_not_confirmed(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["checkpoint-fine"])
    assert verdict.kind is VerdictKind.NOT_REPRODUCED, verdict.describe()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    return confirm_cases(tmp_path_factory.mktemp("regressions"), CASES)


def test_an_import_failure_never_confirms_a_save_finding(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["save-import-fails"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE, verdict.describe()
    assert "No module named 'gym_not_installed'" in verdict.detail


def test_a_class_defined_again_later_is_not_replayed_as_the_later_one(
    outcomes: dict[str, Outcome],
) -> None:
    by_line = {f.start.row: f.runtime for f in outcomes["shadowed"].judged}
    first, last = sorted(by_line)
    assert by_line[first] is not None and by_line[first].kind is VerdictKind.INCONCLUSIVE
    assert "defines Linear again at line" in by_line[first].detail
    assert by_line[last] is not None and by_line[last].kind is VerdictKind.CONFIRMED


def test_every_branch_of_an_if_else_import_is_copied(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["both-branches"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()


def test_a_namespace_package_imports_as_from_the_root(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["namespace-package"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()


def test_a_project_named_like_keras_is_inconclusive_not_the_installed_keras(
    outcomes: dict[str, Outcome],
) -> None:
    verdict = only(outcomes["named-like-keras"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE, verdict.describe()
    assert "has the name of a package serialint's Keras worker has already imported" in (
        verdict.detail
    )


def test_the_call_passing_the_most_arguments_is_replayed(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["most-arguments"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert "gain 3.0 -> 1.0" in verdict.detail


def test_a_package_that_extends_its_path_still_imports(outcomes: dict[str, Outcome]) -> None:
    verdict = only(outcomes["package-path"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()


# -- from the adversarial review ---------------------------------------------------------------


def _marker_cases(markers: Path) -> list[Case]:
    """Each project tries to run code outside definitions; each writes a marker if it does."""

    def touch(name: str) -> str:
        return f"Path({str(markers / name)!r}).write_text('ran')"

    layer_with = LAYER.replace("from", "from").replace(
        "class Scale(keras.layers.Layer):",
        "class Scale(keras.layers.Layer):\n    log = " + touch("class-body"),
    )
    return [
        Case(
            "hostile-top-level",
            "SER101",
            {
                "layers.py": "from pathlib import Path\n"
                + layer_with
                + f"\n_A = {touch('attribute-of-call')}.real\n"
                + f'"doc" f"{{{touch("f-string")}}}"\n'
                + f"LABEL: {touch('annotation')} = 'x'\n"
                + f"def helper(value={touch('default')}):\n    return value\n"
                + f"try:\n    import json\nexcept ({touch('except')}.__class__, ImportError):\n"
                "    pass\n",
                "train.py": "import keras\nfrom layers import Scale\n\n"
                "model = keras.Sequential([keras.Input((3,)), Scale()])\n",
            },
        ),
        Case(
            "call-site-runs-a-function",
            "SER101",
            {
                "layers.py": "from pathlib import Path\n\n"
                + f"def download_and_train():\n    {touch('called')}\n    return 2.0\n\n"
                + LAYER.replace(
                    "class Scale(keras.layers.Layer):",
                    "class Scale(keras.layers.Layer):\n"
                    "    def __init__(self, factor=1.0, **kwargs):\n"
                    "        super().__init__(**kwargs)\n        self.factor = factor\n",
                )
                + "\n\nmodel = keras.Sequential([Scale(download_and_train())])\n",
            },
        ),
        Case(
            "reaches-the-original",
            "SER101",
            {
                "helpers.py": f"from pathlib import Path\n{touch('original')}\nFACTOR = 2.0\n",
                "layers.py": LAYER.replace(
                    "    def call(self, inputs):",
                    "    def __init__(self, **kwargs):\n"
                    "        super().__init__(**kwargs)\n"
                    "        import sys\n"
                    f"        sys.path.insert(0, {str(markers.parent / 'projects' / 'reaches-the-original')!r})\n"
                    "        import importlib\n"
                    "        self.factor = importlib.import_module('helpers').FACTOR\n\n"
                    "    def call(self, inputs):",
                ),
            },
            at=("layers.py", "class Scale"),
        ),
        Case(
            "leaves-a-process",
            "SER101",
            {
                "layers.py": LAYER.replace(
                    "    def call(self, inputs):",
                    "    def __init__(self, **kwargs):\n"
                    "        super().__init__(**kwargs)\n"
                    "        import subprocess\n"
                    f"        subprocess.Popen(['sh', '-c', 'sleep 3; touch {markers / 'orphan'}'])\n\n"
                    "    def call(self, inputs):",
                ),
            },
            at=("layers.py", "class Scale"),
        ),
        Case(
            "non-ascii-before-the-call",
            "SER302",
            {
                "train.py": "import keras\n\n"
                "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
                'other = model; other.save("naïve_überprüfte_modèle.keras"); model.save("m.h5")\n'
            },
        ),
        Case(
            "form-feed-before-the-call",
            "SER303",
            {
                "train.py": "import keras\n\x0c\n"
                "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
                'model.save("saved_model")\n'
            },
        ),
        Case(
            "format-spec-in-the-path",
            "SER302",
            {
                "train.py": "import keras\n\nOUT = 'runs'\n"
                "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
                "for epoch in range(2):\n"
                '    model.save(f"{OUT}/model-{epoch:03d}.h5")\n'
            },
        ),
    ]


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "markers").mkdir()
    return root / "markers"


@pytest.fixture(scope="module")
def hostile(markers: Path) -> dict[str, Outcome]:
    found = confirm_cases(markers.parent / "projects", _marker_cases(markers))
    time.sleep(5)  # the orphan would have written its marker by now
    return found


def test_no_marker_is_written(hostile: dict[str, Outcome], markers: Path) -> None:
    """Attribute of a call, f-string, annotation, default argument, except clause, class body,
    a call site calling the project's function, an original module reached through sys.path,
    a process left running: none of it runs (or outlives the step)."""
    assert hostile
    assert sorted(p.name for p in markers.iterdir()) == []


def test_the_hostile_definitions_still_confirm(hostile: dict[str, Outcome]) -> None:
    verdict = only(hostile["hostile-top-level"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()


def test_a_call_site_running_a_project_function_is_passed_over_for_the_defaults(
    hostile: dict[str, Outcome],
) -> None:
    """``Scale(download_and_train())`` is not evaluated (no marker); ``Scale()`` is."""
    verdict = only(hostile["call-site-runs-a-function"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()


def test_the_original_module_is_never_imported(hostile: dict[str, Outcome]) -> None:
    verdict = only(hostile["reaches-the-original"])
    assert verdict.kind is VerdictKind.INCONCLUSIVE, verdict.describe()
    assert "does not import helpers from the original" in verdict.detail


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("non-ascii-before-the-call", "considered legacy"),
        ("form-feed-before-the-call", "Invalid filepath extension"),
        ("format-spec-in-the-path", "considered legacy"),
    ],
)
def test_the_flagged_call_is_the_one_replayed(
    hostile: dict[str, Outcome], name: str, shown: str
) -> None:
    verdict = only(hostile[name])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert shown in verdict.describe()
