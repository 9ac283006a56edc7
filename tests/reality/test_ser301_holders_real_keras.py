"""SER301 on objects that keep a model: pickling the object pickles the model.

``agents.py`` defines an agent that keeps a Keras model holding an unregistered custom layer,
and one whose ``__getstate__`` drops the model (the positive evidence SER301 accepts).  One
process pickles both; a fresh process that imports ``agents`` unpickles them.
"""

from __future__ import annotations

from typing import Any

import pytest

from .harness import ChildRun, assert_failed, assert_succeeded, catalogue_error, run_scripts

pytestmark = pytest.mark.tensorflow

AGENTS = """
import keras


class ScaledDense(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


def build():
    return keras.Sequential([keras.Input((3,)), ScaledDense()])


class Agent:
    def __init__(self):
        self.model = build()
        self.epsilon = 0.1


class StrippedAgent(Agent):
    def __getstate__(self):
        state = dict(self.__dict__)
        del state["model"]
        return state
"""

DUMP = """
import pickle
import agents
for name, agent in (("agent", agents.Agent()), ("stripped", agents.StrippedAgent())):
    with open(name + ".pkl", "wb") as handle:
        attempt("dump_" + name, lambda: pickle.dump(agent, handle))
"""

LOAD = """
import pickle
import agents
def unpickle(name):
    with open(name + ".pkl", "rb") as handle:
        return pickle.load(handle)
attempt("load_agent", lambda: unpickle("agent"))
attempt("load_stripped", lambda: unpickle("stripped"))
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> ChildRun:
    directory = tmp_path_factory.mktemp("ser301_holders")
    (directory / "agents.py").write_text(AGENTS)
    dumped = run_scripts([(directory, DUMP)])[0]
    loaded = run_scripts([(directory, LOAD)])[0]
    return ChildRun.merged([dumped, loaded])


def test_an_object_keeping_a_model_fails_to_unpickle_like_the_model(
    rules: dict[str, dict[str, Any]], run: ChildRun
) -> None:
    run.assert_clean_exit()
    assert_succeeded(run.result("dump_agent"))
    exc_type, message = catalogue_error(rules["SER301"]["keras_error_k3"])
    assert_failed(run.result("load_agent"), exc_type, message)


def test_an_object_whose_getstate_drops_the_model_unpickles(run: ChildRun) -> None:
    assert_succeeded(run.result("dump_stripped"))
    assert_succeeded(run.result("load_stripped"))
