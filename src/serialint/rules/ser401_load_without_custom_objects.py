"""SER401 load-without-custom-objects."""

from __future__ import annotations

import libcst as cst

from serialint import names
from serialint.index import ModuleSummary, ProjectIndex, top_level_classes
from serialint.rules.base import (
    Rule,
    describe_class,
    has_double_star,
    keras_major,
    keyword,
    load_failure,
    positional,
)

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
    def applies_to(cls, summary: ModuleSummary, index: ProjectIndex) -> bool:
        return any(
            not site.has_custom_objects and not site.in_scope for site in summary.load_sites
        ) and bool(index.unregistered_relevant_to(summary))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.scopes: list[bool] = []  # per enclosing `with`: is it a custom_object_scope?
        self.defined: set[str] = set()  # module-level classes visited so far

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        if len(self.scope) == 1:
            self.defined.add(f"{self.scope[0]}.{node.name.value}")
        return super().visit_ClassDef(node)

    def visit_With(self, node: cst.With) -> bool | None:
        self.scopes.append(any(self._is_scope(item.item) for item in node.items))
        return True

    def leave_With(self, original_node: cst.With) -> None:
        self.scopes.pop()

    def _is_scope(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Call) and names.is_custom_object_scope(
            self.qualified(expr.func)
        )

    def visit_Call(self, node: cst.Call) -> bool | None:
        target = self.qualified(node.func)
        loader = names.model_loader(target)
        if loader is None:
            return True
        function, custom_position = loader
        custom = keyword(node, "custom_objects")
        if custom is not None and not (
            isinstance(custom.value, cst.Name) and custom.value.value == "None"
        ):
            return True
        if any(self.scopes) or has_double_star(node):
            return True
        if len(positional(node)) > custom_position:  # load_model(path, custom_objects)
            return True
        index = self.context.index
        unregistered = index.unregistered_relevant_to(self.context.summary)
        if len(self.scope) == 1:
            # A module-level load runs before the classes defined below it exist: the model it
            # loads cannot hold them (see ProjectIndex.defined_after).
            module = self.context.summary
            later = {cls.qualname for cls in top_level_classes(module)} - self.defined
            unregistered = [item for item in unregistered if item[0].qualname not in later]
        compile_arg = keyword(node, "compile")
        compile_false = (
            compile_arg is not None
            and isinstance(compile_arg.value, cst.Name)
            and compile_arg.value.value == "False"
        )
        if compile_false:  # losses, metrics and optimizers live only in the compile config
            unregistered = [
                (cls, kind)
                for cls, kind in unregistered
                if kind.kind not in names.COMPILE_ONLY_KINDS
            ]
        if not unregistered:
            return True
        shown = ", ".join(describe_class(index, cls.qualname) for cls, _ in unregistered[:_SHOWN])
        more = len(unregistered) - _SHOWN
        if more > 0:
            shown += f" and {more} more"
        first, first_kind = unregistered[0]
        flavor = names.keras_name(target or "")
        major = keras_major(flavor.flavor if flavor else "keras3", self.context.config)
        self.report(
            node.func,
            f"`{function}` without `custom_objects` in a project with unregistered custom objects "
            f"({shown}): loading a model that contains `{first.name}` here "
            f"{load_failure(first.name, first_kind.kind, major)}",
            fix_hint="Pass custom_objects={...} with those classes, or register them (SER101)",
        )
        return True
