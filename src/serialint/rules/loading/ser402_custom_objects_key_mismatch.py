"""SER402 custom-objects-key-mismatch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint import names
from serialint.facts.model import Call, CallSite, Value
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation


@dataclass(frozen=True)
class _Handover:
    """A ``custom_objects`` dict handed to a load or a custom-object scope."""

    site: CallSite
    value: Value


class CustomObjectsKeyMismatch(Rule):
    code = "SER402"

    VALID = (
        "import keras\nclass ScaledDense(keras.layers.Layer):\n    pass\n"
        "m = keras.saving.load_model('m.keras', custom_objects={'ScaledDense': ScaledDense})\n",
        "import keras\n@keras.saving.register_keras_serializable(package='p')\n"
        "class ScaledDense(keras.layers.Layer):\n    pass\n"
        "m = keras.saving.load_model('m.keras', custom_objects={'p>ScaledDense': ScaledDense})\n",
        # A registered function under its registered name.
        "import keras\n@keras.saving.register_keras_serializable(package='p')\n"
        "def act(t):\n    return t\n"
        "m = keras.saving.load_model('m.keras', custom_objects={'p>act': act})\n",
    )
    INVALID = (
        "import keras\nclass ScaledDense(keras.layers.Layer):\n    pass\n"
        "m = keras.saving.load_model('m.keras', custom_objects={'SD': ScaledDense})\n",
        "import keras\ndef focal_loss(y, p):\n    return y - p\n"
        "m = keras.saving.load_model('m.keras', custom_objects={'my_loss': focal_loss})\n",
        "import keras\n@keras.saving.register_keras_serializable(package='p')\n"
        "class ScaledDense(keras.layers.Layer):\n    pass\n"
        "with keras.saving.custom_object_scope({'ScaledDense': ScaledDense}):\n"
        "    m = keras.saving.load_model('m.keras')\n",
        # tf-keras looks up the registered name too (measured: no fall-back to the class name).
        "import tf_keras as keras\n@keras.saving.register_keras_serializable(package='p')\n"
        "class ScaledDense(keras.layers.Layer):\n    pass\n"
        "m = keras.models.load_model('m.h5', custom_objects={'ScaledDense': ScaledDense})\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(True for _ in _handovers(project, module))

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for handover in _handovers(project, context.module):
            reasons = []
            for key, item in project.values.entries(context.module, handover.value):
                if isinstance(item, Call):
                    continue  # an instance or a factory's result: its stored name is not seen
                for name in project.values.named(context.module, item):
                    reason = _mismatch(project, name, key)
                    if reason is not None and reason not in reasons:
                        reasons.append(reason)
            if reasons:  # one finding per dict: its keys are one decision
                yield Violation(
                    span=handover.site.func_span,
                    message="; ".join(reasons),
                    fix_hint="Key each object by the name the file stores (its registered "
                    "`package>Name`, else its class or function name)",
                )


def _handovers(project: Project, module: Module) -> Iterator[_Handover]:
    for site in module.facts.calls:
        callee = project.values.qualify(module, site.call.func)
        keras = names.keras_name(callee) if callee is not None else None
        if keras is None:
            continue
        loader = names.model_loader(callee)
        if loader is not None:
            value = site.call.keyword("custom_objects")
            if value is None and loader[1] >= 0:
                value = site.call.argument(loader[1], "custom_objects")
        elif names.is_custom_object_scope(callee) and site.call.args:
            value = site.call.args[0]
        else:
            continue
        if value is not None:
            yield _Handover(site, value)


def _mismatch(project: Project, name: str, key: str) -> str | None:
    """Why ``key`` cannot be the name the file stores for the project object ``name``."""
    cls = project.classes.get(name)
    function = project.modules.function_fact(name) if cls is None else None
    if cls is None and (function is None or function[1].in_class is not None):
        return None
    short = cls.name if cls is not None else name.rpartition(".")[2]
    stored = {short} | project.values.renamed.get(name, set())
    registered = project.registry.registered_keys(name)
    if None in registered or key in registered:
        return None  # a key it is registered under (or one we cannot read)
    what = "class" if cls is not None else "function"
    if registered:
        if key not in stored:
            return None  # a key matching neither: reported below only when unregistered
        wanted = sorted(k for k in registered if k is not None)[0]
        return (
            f"`custom_objects` key '{key}' for the registered {what} `{short}`: Keras looks "
            f"up '{wanted}', so the entry is never used; the load works only because importing "
            f"`{short}` registered it (an unregistered copy handed over under this key fails "
            f"with \"Could not locate {what} '{short}'\")"
        )
    if registered or key in stored:
        return None
    return (
        f"`custom_objects` key '{key}' for the {what} `{short}`: the file stores it as "
        f"'{short}', so the entry matches nothing and the load fails with \"Could not locate "
        f"{what} '{short}'\""
    )
