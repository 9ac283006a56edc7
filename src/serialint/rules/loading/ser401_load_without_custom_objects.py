"""SER401 load-without-custom-objects."""

from __future__ import annotations

from collections.abc import Iterator

from serialint import names
from serialint.project import FunctionUse, LoadSite, Module, Project, SaveSite, StoredFunction
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.functions.stored import major
from serialint.rules.messages import describe_class, load_failure, place

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
        loads = project.loads.in_module(module)
        return bool(loads) and (
            bool(project.stored_functions.uses)
            or (
                any(not load.passes_custom_objects and not load.in_scope for load in loads)
                and bool(project.classes_relevant_to(module))
            )
        )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for load in project.loads.in_module(context.module):
            missing = _missing_functions(project, load)
            if missing:
                yield _function_violation(project, load, missing)
                continue
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


def _missing_functions(
    project: Project, load: LoadSite
) -> list[tuple[FunctionUse, StoredFunction, SaveSite]]:
    """Project functions stored by name in the file the load reads (linked by path) that the
    load does not hand over: Keras cannot find them (KERAS-SEMANTICS 2f)."""
    if load.provided is None:
        return []  # a custom_objects or scope we cannot read may hold them
    found: list[tuple[FunctionUse, StoredFunction, SaveSite]] = []
    for use, function, save in project.functions_read_by(load):
        name = function.function
        if function.kind != "def" or name is None or name in load.provided:
            continue
        if use.compile_only and load.compile_false:
            continue  # losses and metrics live only in the compile config
        if use.lambda_layer and major(project, use) == 2:
            continue  # tf-keras stores a Lambda's def as bytecode (SER202's)
        if project.registry.function_registered(name):
            continue
        if all(f is not function for _, f, _ in found):
            found.append((use, function, save))
    return found


def _function_violation(
    project: Project, load: LoadSite, missing: list[tuple[FunctionUse, StoredFunction, SaveSite]]
) -> Violation:
    shown = ", ".join(f"`{f.name}`" for _, f, _ in missing[:_SHOWN])
    if len(missing) > _SHOWN:
        shown += f" and {len(missing) - _SHOWN} more"
    save = missing[0][2]
    written = place(project, save.module, save.site.span.line)
    without = "with a `custom_objects` that lacks" if load.passes_custom_objects else "without"
    only_compile = all(use.compile_only for use, _, _ in missing)
    note = "; `compile=False` avoids them (losses and metrics)" if only_compile else ""
    return Violation(
        span=load.site.func_span,
        message=(
            f"`{load.function}` {without} the project function{'s' if len(missing) > 1 else ''} "
            f"{shown} that the model saved at "
            f'{written} stores by name: the load fails with "Could not locate function '
            f"'{missing[0][1].name}'\"{note}"
        ),
        fix_hint=(
            "Pass them in custom_objects={...}, or register them with "
            "@keras.saving.register_keras_serializable and import their module before loading"
        ),
    )
