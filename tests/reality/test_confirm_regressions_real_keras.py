"""``--confirm`` regressions found by running it on real projects (keras-io, DeepCTR,
YOLOv3-model-set, bert4keras, tensorflow/addons, keras-hub, the Keras repository): each case is
the smallest project showing what went wrong there, with the verdict it must get now.
"""

from __future__ import annotations

import pytest

from serialint.findings import VerdictKind

from .confirm_cases import Case, Outcome, confirm_cases, only

pytestmark = pytest.mark.tensorflow

LAYER = """import keras


class Scale(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0

    def get_config(self):
        return super().get_config()
"""

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
