"""SER403 unsafe-deserialization."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import names
from serialint.facts.model import CallSite, Const
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation

_HINT = (
    "Load without `safe_mode=False`, and replace the file's Lambda layers with registered Layer "
    "subclasses (or registered named functions) so that it loads in safe mode; only ever "
    "disable it for files you produced yourself"
)


class UnsafeDeserialization(Rule):
    code = "SER403"

    VALID = (
        "import keras\nmodel = keras.saving.load_model('m.keras')\n",
        "import keras\nmodel = keras.saving.load_model('m.keras', safe_mode=True)\n",
        # Not Keras.
        "def load_model(path, safe_mode=True):\n    return path\nload_model('x', safe_mode=False)\n",
    )
    INVALID = (
        "import keras\nmodel = keras.saving.load_model('m.keras', safe_mode=False)\n",
        "import tensorflow as tf\nm = tf.keras.models.load_model('m.keras', safe_mode=False)\n",
        "import keras\nkeras.config.enable_unsafe_deserialization()\n",
        "from keras.saving import deserialize_keras_object\n"
        "layer = deserialize_keras_object({}, safe_mode=False)\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(_is_candidate(site) for site in module.facts.calls)

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project, module = context.project, context.module
        for site in module.facts.calls:
            if not _is_candidate(site):
                continue
            keras = names.keras_name(project.values.qualify(module, site.call.func) or "")
            if keras is None:
                continue
            if keras.name == "enable_unsafe_deserialization":
                message = (
                    f"`{keras.name}()` turns off Keras' safe mode for every later load in this "
                    "process: a file's Lambda layers then run their stored Python bytecode as "
                    "the model is rebuilt, so whoever can write a model file this program "
                    "loads can run code in it"
                )
            else:
                message = (
                    f"`{keras.name}(..., safe_mode=False)` turns off Keras' check for code in "
                    "the file: a Lambda layer's stored Python bytecode runs as the model is "
                    "rebuilt, so whoever can write that file can run code here"
                )
            yield Violation(span=site.func_span, message=message, fix_hint=_HINT)


def _is_candidate(site: CallSite) -> bool:
    func = site.call.func
    last = getattr(func, "attr", None) or getattr(func, "name", "")
    if str(last).rpartition(".")[2].lstrip("?@") == "enable_unsafe_deserialization":
        return True
    flag = site.call.keyword("safe_mode")
    return isinstance(flag, Const) and flag.value is False
