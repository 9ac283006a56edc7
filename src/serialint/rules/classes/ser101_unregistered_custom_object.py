"""SER101 unregistered-custom-object."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from serialint.names import COMPILE_ONLY_KINDS
from serialint.project import KerasKind, LoadSite, Module, Project, ProjectClass
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.classes.registration_fix import decorator_for, package_of, registration_fix
from serialint.rules.messages import helper_location, load_failure, load_location, what_holds


@dataclass(frozen=True)
class Verdict:
    """Why the class must be registered: the load that misses it (if one is known), and whether
    the class is a library's, loaded by users this project cannot see."""

    missing_at: LoadSite | None
    library: bool


class UnregisteredCustomObject(Rule):
    code = "SER101"

    VALID = (
        # Registered through an alias and a positional package name.
        "from tensorflow.keras.utils import register_keras_serializable as reg\n"
        "from tensorflow.keras import layers\n"
        "@reg('pkg')\n"
        "class A(layers.Layer):\n    pass\n",
        # Registered by calling the decorator.
        "import keras\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "A = keras.saving.register_keras_serializable(package='p')(A)\n",
        # Registered through the global custom-objects dict.
        "import tensorflow as tf\n"
        "class A(tf.keras.layers.Layer):\n    pass\n"
        "tf.keras.utils.get_custom_objects().update({'A': A})\n",
        # An abstract project base that is only subclassed is not reported (its subclass is).
        "import keras\n"
        "class Base(keras.layers.Layer):\n    pass\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "class A(Base):\n    pass\n",
        # Every load passes the class through custom_objects.
        "import keras\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "m = keras.models.load_model('m.keras', custom_objects={'A': A})\n",
        # Only its weights are ever saved.
        "import keras\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "model = keras.Sequential([A()])\n"
        "model.save_weights('m.weights.h5')\n",
        # A callback is never stored in a model file.
        "import keras\nclass Stop(keras.callbacks.Callback):\n    pass\n",
        # Not Keras at all.
        "class Layer:\n    pass\nclass A(Layer):\n    pass\n",
    )
    INVALID = (
        "import tensorflow as tf\nclass A(tf.keras.layers.Dense):\n    pass\n",
        "from tf_keras import losses\nclass L(losses.Loss):\n    pass\n",
        "import keras\nclass M(keras.Model):\n    pass\n",
        # Keras 2's own module paths.
        "from keras.engine.topology import Layer\nclass A(Layer):\n    pass\n",
        # A conditional base.
        "import keras\nDEBUG = False\nclass A(object if DEBUG else keras.layers.Layer):\n    pass\n",
        # Loaded once with custom_objects, once without: not handled everywhere.
        "import keras\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "a = keras.models.load_model('a.keras', custom_objects={'A': A})\n"
        "b = keras.models.load_model('b.keras')\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(project.is_unfindable(c) for c, _ in project.keras_classes(module))

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for cls, kind in project.keras_classes(context.module):
            if not project.is_unfindable(cls) or project.registry.wrong_registrations(cls):
                continue  # registered in the other Keras's registry: SER108 says so
            verdict = judge(project, cls, kind)
            if verdict is not None:
                yield self._violation(project, cls, kind, verdict)

    def _violation(
        self, project: Project, cls: ProjectClass, kind: KerasKind, verdict: Verdict
    ) -> Violation:
        failure = load_failure(cls.name, kind.kind, project.judged_major(kind))
        compile_note = " or uses `compile=False`" if kind.kind in COMPILE_ONLY_KINDS else ""
        if verdict.library:
            message = (
                f"Custom {kind.kind} `{cls.name}` is not registered with Keras, and "
                f"`{package_of(cls)}` is a distributable package: for its users, loading "
                f"{what_holds(kind.kind)} {failure} unless every load passes it in "
                f"`custom_objects`{compile_note}{_helper_note(project, cls)}; registering it "
                "removes the need"
            )
        else:
            message = (
                f"Custom {kind.kind} `{cls.name}` is not registered with Keras: loading "
                f"{what_holds(kind.kind)} {failure} unless the load passes it in "
                f"`custom_objects`{compile_note}"
            )
            if verdict.missing_at is not None:
                message += f"; {load_location(project, verdict.missing_at)} does not"
        decorator = decorator_for(project, cls, kind)
        if decorator is not None:
            hint = (
                f'Decorate it with @{decorator.spelling}(package="{package_of(cls)}") and import '
                "this module before loading"
            )
        else:
            hint = (
                f'Register it: keras.utils.get_custom_objects()["{cls.name}"] = {cls.name}, '
                "in this module, and import the module before loading"
            )
        return Violation(
            span=cls.fact.name_span,
            message=message,
            fix_hint=hint,
            fix=registration_fix(project, cls, kind),
        )


def judge(project: Project, cls: ProjectClass, kind: KerasKind) -> Verdict | None:
    """None when there is positive evidence that the class cannot break a load (see the rule
    page for every such case); else why it must be registered."""
    if project.is_library(cls.module):
        return Verdict(None, library=True)
    loads = project.loads_meeting(cls)
    missing = [load for load in loads if not _passes(project, load, cls)]
    if loads and not missing:
        return None  # application code whose every load hands it over
    if not loads and not project.persisted_by_class_name(cls):
        return None  # state-only saves, a training wrapper, or a test that never saves it
    # Name the load most clearly connected to the class: one whose program imports it.
    missing.sort(key=lambda load: cls.module.name not in project.import_closure(load.module))
    return Verdict(missing[0] if missing else None, library=False)


def _passes(project: Project, load: LoadSite, cls: ProjectClass) -> bool:
    if load.provided is None:
        # Unreadable: a loader forwarding its own parameter is judged at its callers.
        return f"{load.module.name}.{load.site.scope}" in project.loads.forwarders
    return cls.qualname in load.provided


def _helper_note(project: Project, cls: ProjectClass) -> str:
    """Point at the project's custom-objects helper, and say if it leaves the class out."""
    helpers = [h for h in project.helpers if project.is_library(h.module)]
    if not helpers:
        return ""
    holding = [h for h in helpers if cls.qualname in h.mapping.values]
    if holding:
        return f" (`{holding[0].qualified.rpartition('.')[2]}()` provides it)"
    helper = helpers[0]
    name = helper.qualified.rpartition(".")[2]
    return f", and `{name}()` ({helper_location(project, helper)}) leaves it out"
