"""``--confirm`` on every confirmable rule: a case the round trip confirms, and correct code it
does not (real TensorFlow, through the product's own runtime).

The confirmed cases are the catalogue's examples wherever the example holds the hazard the
round trip can show; the correct counterparts are the catalogue's ``use_instead``, with a finding
of the rule placed by hand where the example's finding was (the rule itself does not fire
there). The few rules whose catalogue example cannot show a failure here get a case of their own,
said below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from serialint.catalogue import example_files
from serialint.findings import VerdictKind
from serialint.runtime.confirmation import ConfirmOptions

from .confirm_cases import Case, Outcome, confirm_cases, only, simple_layer
from .harness import load_rule

pytestmark = pytest.mark.tensorflow


def _example(code: str, part: str = "example") -> dict[str, str]:
    return example_files(load_rule(code)[part])


# Where the example's finding is, found again in use_instead: (file, text on the line).
COUNTERPARTS: dict[str, tuple[str, str]] = {
    "SER101": ("example.py", "class ScaledDense"),
    "SER102": ("example.py", "class Gate"),
    "SER103": ("example.py", "class ScaledDense"),
    "SER104": ("example.py", "class Scale"),
    "SER105": ("example.py", "class Wrap"),
    "SER106": ("example.py", "class Attention"),
    "SER107": ("example.py", "class Net"),
    "SER108": ("example.py", "class MixDense"),
    "SER110": ("example.py", "class Offset"),
    "SER201": ("example.py", "activation=scaled_tanh"),
    "SER202": ("example.py", "FirstTwoDoubled()("),
    "SER301": ("example.py", "pickle.dump("),
    "SER302": ("example.py", "model.save("),
    "SER303": ("example.py", "model.save("),
    "SER304": ("example.py", "restored.load_weights("),
    "SER305": ("example.py", "model.save("),
    "SER306": ("example.py", "model.save_weights("),
    "SER401": ("example.py", "keras.models.load_model("),
    "SER402": ("example.py", "keras.saving.load_model("),
    "SER403": ("example.py", "keras.saving.load_model("),
    "SER405": ("example.py", "keras.layers.TFSMLayer("),
    "SER406": ("serve.py", "keras.saving.load_model("),
}

# Catalogue examples that hold no failure a round trip can show here, and the case used instead:
# - SER109's example builds its weights in a top-level ``scale.make(3)``, which a replay never
#   runs: the eager-only Model of the rule's own INVALID snippets is used.
# - SER301/SER404's examples pickle built-in layers only, which Keras 3.15 unpickles fine: a model
#   with an unregistered custom layer is pickled instead (the rule's stated failure).
CUSTOM_LAYER = simple_layer("Doubler")
PICKLED = """import pickle

import keras

from layers import Doubler

model = keras.Sequential([keras.Input((3,)), Doubler()])
with open("model.pkl", "wb") as f:
    pickle.dump(model, f)
"""
UNPICKLED = """
with open("model.pkl", "rb") as f:
    restored = pickle.load(f)
"""
OWN_CASES = {
    "SER109": {
        "example.py": """import keras
import tensorflow as tf


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        if tf.reduce_sum(x) > 0:
            return self.dense(x)
        return self.dense(-x)


model = Net()
model.save("net.keras")
"""
    },
    "SER301": {"layers.py": CUSTOM_LAYER, "example.py": PICKLED},
    "SER404": {"layers.py": CUSTOM_LAYER, "example.py": PICKLED + UNPICKLED},
}
# SER109's counterpart: the same Model without the Python branch on a tensor.
OWN_COUNTERPARTS = {
    "SER109": (
        {
            "example.py": OWN_CASES["SER109"]["example.py"].replace(
                "        if tf.reduce_sum(x) > 0:\n            return self.dense(x)\n", ""
            )
        },
        ("example.py", "class Net"),
    ),
    "SER404": (
        {
            "layers.py": CUSTOM_LAYER.replace(
                "class Doubler",
                '@keras.saving.register_keras_serializable(package="p")\nclass Doubler',
            ),
            "example.py": OWN_CASES["SER404"]["example.py"],
        },
        ("example.py", "pickle.load("),
    ),
}

CONFIRMABLE = sorted({*COUNTERPARTS, *OWN_COUNTERPARTS})


def _cases() -> list[Case]:
    cases = []
    for code in CONFIRMABLE:
        bad = OWN_CASES.get(code) or _example(code)
        cases.append(Case(f"{code}-bad", code, bad))
        if code in OWN_COUNTERPARTS:
            good, at = OWN_COUNTERPARTS[code]
        else:
            good, at = _example(code, "use_instead"), COUNTERPARTS[code]
        cases.append(Case(f"{code}-good", code, good, at))
    cases.append(Case("SER403-switch", "SER403", {"serve.py": UNSAFE_SWITCH}))
    return cases


# SER403's other form: the process-wide switch, then a load with the default safe_mode.
UNSAFE_SWITCH = """import keras

keras.config.enable_unsafe_deserialization()
model = keras.saving.load_model("model.keras")
"""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, scratch: Path) -> dict[str, Outcome]:
    options = ConfirmOptions(scratch=scratch)
    return confirm_cases(tmp_path_factory.mktemp("confirm"), _cases(), options)


def test_every_runtime_rule_is_covered() -> None:
    from serialint.runtime.plans import PLANS

    assert set(PLANS) == set(CONFIRMABLE)


@pytest.mark.parametrize("code", CONFIRMABLE)
def test_the_hazard_is_confirmed(outcomes: dict[str, Outcome], code: str) -> None:
    outcome = outcomes[f"{code}-bad"]
    assert outcome.reported, f"{code} does not fire on its own case"
    kinds = [v.kind for v in outcome.verdicts]
    assert VerdictKind.CONFIRMED in kinds, (code, [v.describe() for v in outcome.verdicts])


@pytest.mark.parametrize("code", CONFIRMABLE)
def test_correct_code_is_not_confirmed(outcomes: dict[str, Outcome], code: str) -> None:
    verdict = only(outcomes[f"{code}-good"])
    assert verdict.kind is VerdictKind.NOT_REPRODUCED, (code, verdict.describe())


@pytest.mark.parametrize(
    ("code", "exception", "fragment"),
    [
        ("SER101", "TypeError", "Could not locate class 'ScaledDense'"),
        ("SER102", "NotImplementedError", "must override `get_config()`"),
        ("SER103", "TypeError", "missing 1 required positional argument: 'units'"),
        ("SER104", "TypeError", "unexpected keyword argument"),
        ("SER201", "TypeError", "Could not locate function 'scaled_tanh'"),
        ("SER202", "ValueError", "Requested the deserialization of a `Lambda` layer"),
        ("SER303", "ValueError", "Invalid filepath extension for saving"),
        ("SER304", "ValueError", "No model config found in the file"),
        ("SER305", "EOFError", "EOF when reading a line"),
        ("SER306", "ValueError", "The filename must end in `.weights.h5`"),
        ("SER401", "TypeError", "Could not locate class 'ScaledDense'"),
        ("SER402", "TypeError", "Could not locate class 'CustomDense'"),
        ("SER405", "ValueError", "File format not supported"),
        ("SER406", "TypeError", "Could not locate class"),
        ("SER301", "TypeError", "Could not locate class 'Doubler'"),
        ("SER404", "TypeError", "Could not locate class 'Doubler'"),
    ],
)
def test_the_verdict_carries_the_keras_exception(
    outcomes: dict[str, Outcome], code: str, exception: str, fragment: str
) -> None:
    """The exception and the first line of its message, as Keras raised them."""
    confirmed = [v for v in outcomes[f"{code}-bad"].verdicts if v.kind is VerdictKind.CONFIRMED]
    assert any(v.exception == exception and fragment in v.message for v in confirmed), [
        v.describe() for v in outcomes[f"{code}-bad"].verdicts
    ]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("SER106", "a model saved holding Attention loads holding FastAttention"),
        ("SER107", "differs"),
        ("SER109", "different outputs"),
        ("SER302", "considered legacy"),
        ("SER403", "loading ran code stored in the file"),
    ],
)
def test_silent_failures_are_confirmed_by_comparison(
    outcomes: dict[str, Outcome], code: str, fragment: str
) -> None:
    """No exception: what the comparison found is the verdict's detail."""
    details = [
        v.detail for v in outcomes[f"{code}-bad"].verdicts if v.kind is VerdictKind.CONFIRMED
    ]
    assert any(fragment in d for d in details), [
        v.describe() for v in outcomes[f"{code}-bad"].verdicts
    ]


def test_the_unsafe_switch_lets_a_load_run_code_from_the_file(
    outcomes: dict[str, Outcome],
) -> None:
    verdict = only(outcomes["SER403-switch"])
    assert verdict.kind is VerdictKind.CONFIRMED, verdict.describe()
    assert "loading ran code stored in the file" in verdict.detail


def test_the_temporary_directories_are_removed(outcomes: dict[str, Outcome], scratch: Path) -> None:
    """Every sandbox and the worker's directory are gone once the verdicts are in."""
    assert outcomes
    assert not list(scratch.iterdir())
