"""SER101 unregistered-custom-object."""

from __future__ import annotations

import libcst as cst

from serialint.index import ModuleSummary, ProjectIndex
from serialint.names import COMPILE_ONLY_KINDS
from serialint.rules.base import (
    Rule,
    keras_major,
    load_failure,
    registration_decorator,
    relative,
    what_holds,
)


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
        # A callback is never stored in a model file.
        "import keras\nclass Stop(keras.callbacks.Callback):\n    pass\n",
        # Not Keras at all.
        "class Layer:\n    pass\nclass A(Layer):\n    pass\n",
    )
    INVALID = (
        "import tensorflow as tf\nclass A(tf.keras.layers.Dense):\n    pass\n",
        "from tf_keras import losses\nclass L(losses.Loss):\n    pass\n",
        "import keras\nclass M(keras.Model):\n    pass\n",
        # Loaded once with custom_objects, once without: not handled everywhere.
        "import keras\n"
        "class A(keras.layers.Layer):\n    pass\n"
        "a = keras.models.load_model('a.keras', custom_objects={'A': A})\n"
        "b = keras.models.load_model('b.keras')\n",
    )

    @classmethod
    def applies_to(cls, summary: ModuleSummary, index: ProjectIndex) -> bool:
        return any(c.qualname in index.needing_registration for c in summary.classes)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        super().visit_ClassDef(node)
        index = self.context.index
        registration = index.needing_registration.get(self.scope[-1])
        if registration is None:
            return True
        cls, kind = index.classes[self.scope[-1]], registration.kind
        failure = load_failure(
            cls.name, kind.kind, keras_major(kind.base.flavor, self.context.config)
        )
        remedy = "passes it in `custom_objects`"
        if kind.kind in COMPILE_ONLY_KINDS:
            remedy += " or uses `compile=False`"
        where = ""
        if registration.missing_at is not None:
            module = index.modules[registration.missing_at.module]
            line = registration.missing_at.line
            where = f"; {relative(module.path, index.root)}:{line} does not"
        self.report(
            node.name,
            f"Custom {kind.kind} `{cls.name}` is not registered with Keras: loading "
            f"{what_holds(kind.kind)} {failure} unless the load {remedy}{where}",
            fix_hint=(
                f'Decorate it with @{registration_decorator(kind.base.flavor)}(package="'
                f'{cls.module.split(".")[0]}") and import this module before loading'
            ),
        )
        return True
