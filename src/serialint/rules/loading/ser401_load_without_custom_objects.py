"""SER401 load-without-custom-objects."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import names
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import describe_class, load_failure

_SHOWN = 3  # classes named in one message


class LoadWithoutCustomObjects(Rule):
    code = "SER401"

    VALID = (
        # Inside a custom_object_scope.
        "import tensorflow as tf\n"
        "class A(tf.keras.layers.Layer):\n    pass\n"
        "with tf.keras.utils.custom_object_scope({'A': A}):\n"
        "    m = tf.keras.models.load_model('m.keras')\n",
        # Everything custom is registered.
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "m = keras.saving.load_model('m.keras')\n",
        # Only a loss is unregistered and the model is loaded without its compile config.
        "import keras\nclass MyLoss(keras.losses.Loss):\n    pass\n"
        "m = keras.models.load_model('m.keras', compile=False)\n",
        # custom_objects forwarded from the caller.
        "import keras\nclass A(keras.layers.Layer):\n    pass\n"
        "def load(path, **kwargs):\n    return keras.models.load_model(path, **kwargs)\n",
        # custom_objects may arrive positionally through *args.
        "import keras\nclass A(keras.layers.Layer):\n    pass\n"
        "def load(path, *rest):\n    return keras.models.load_model(path, *rest)\n",
        # Not Keras' load_model.
        "class A:\n    pass\ndef load_model(p):\n    return p\nload_model('m.keras')\n",
    )
    INVALID = (
        "from tensorflow.keras.models import load_model\nfrom tensorflow.keras import layers\n"
        "class A(layers.Layer):\n    pass\nm = load_model('m.h5')\n",
        "import tf_keras as keras\nclass A(keras.layers.Layer):\n    pass\n"
        "m = keras.models.load_model('m.keras', compile=False)\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(
            not load.passes_custom_objects and not load.in_scope
            for load in project.loads.in_module(module)
        ) and bool(project.classes_relevant_to(module))

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for load in project.loads.in_module(context.module):
            if load.passes_custom_objects or load.in_scope:
                continue
            relevant = project.relevant_to_load(load)
            unfindable = [item for item in project.stored_by_name if item[0].qualname in relevant]
            if not unfindable:
                continue
            shown = ", ".join(describe_class(project, cls) for cls, _ in unfindable[:_SHOWN])
            if len(unfindable) > _SHOWN:
                shown += f" and {len(unfindable) - _SHOWN} more"
            first, first_kind = unfindable[0]
            # The Keras that loads is the loader's: tf_keras.models.load_model is always Keras 2.
            loader = names.keras_name(
                project.values.qualify(load.module, load.site.call.func) or ""
            )
            major = project.semantics.major_for(loader.flavor) if loader else project.keras_version
            yield Violation(
                span=load.site.func_span,
                message=(
                    f"`{load.function}` without `custom_objects` in a project with unregistered "
                    f"custom objects ({shown}): loading a model that contains `{first.name}` here "
                    f"{load_failure(first.name, first_kind.kind, major)}"
                ),
                fix_hint=(
                    "Pass custom_objects={...} with those classes, or register them (SER101) "
                    "and import their modules in this program before it loads"
                ),
            )
