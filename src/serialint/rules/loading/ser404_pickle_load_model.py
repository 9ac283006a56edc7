"""SER404 pickle-load-model."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import place


class PickleLoadModel(Rule):
    code = "SER404"

    VALID = (
        # Plain data: a training history.
        "import pickle\nhistory = {'loss': [0.5]}\n"
        "with open('history.pkl', 'wb') as f:\n    pickle.dump(history, f)\n"
        "with open('history.pkl', 'rb') as f:\n    history = pickle.load(f)\n",
        # A model is pickled, but this load reads another file.
        "import joblib, keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "joblib.dump(model, 'model.joblib')\nscaler = joblib.load('scaler.joblib')\n",
    )
    INVALID = (
        "import joblib, keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "joblib.dump(model, 'model.joblib')\nrestored = joblib.load('model.joblib')\n",
        "import pickle, keras\nPATH = 'artifacts/model.pkl'\n"
        "def save(model: keras.Model):\n    with open(PATH, 'wb') as f:\n        pickle.dump(model, f)\n"
        "def load():\n    with open(PATH, 'rb') as f:\n        return pickle.load(f)\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return bool(project.pickles.dumps) and bool(project.pickles.loads_in(module))

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for load in project.pickles.loads_in(context.module):
            found = project.pickled_model_read_by(load)
            if found is None:
                continue
            dump, what = found
            where = place(project, dump.module, dump.site.span.line)
            yield Violation(
                span=load.site.span,
                message=(
                    f"`{load.function}` reads the {what} that `{dump.function}` writes at "
                    f"{where}: Keras unpickles it with `safe_mode=False` hard-coded, so a Lambda "
                    "layer's bytecode in the file runs unchecked (loading it is running code), and "
                    "the pickle points into Keras' private modules, so it breaks across Python, "
                    "TensorFlow and Keras versions; custom layers come back only if registered "
                    "and imported first"
                ),
                fix_hint=(
                    'Save with model.save("model.keras") and load with '
                    "keras.saving.load_model (safe mode on); unpickle only files you wrote"
                ),
            )
