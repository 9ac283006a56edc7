"""SER201 unregistered-custom-function."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.project import FunctionUse, Project
from serialint.rules.base import RuleContext, Violation
from serialint.rules.functions.stored import Hazard, StoredFunctionRule, fix_hint, hazards


class UnregisteredCustomFunction(StoredFunctionRule):
    code = "SER201"

    VALID = (
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "def act(t):\n    return t\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=act)])\n"
        "model.save('m.keras')\n",
        # Every load passes the function.
        "import keras\n"
        "def act(t):\n    return t\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=act)])\n"
        "model.save('m.keras')\n"
        "keras.saving.load_model('m.keras', custom_objects={'act': act})\n",
        # A loss, and every load skips the compile config.
        "import keras\n"
        "def my_loss(y, p):\n    return y - p\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "model.compile(loss=my_loss)\n"
        "model.save('m.keras')\n"
        "keras.saving.load_model('m.keras', compile=False)\n",
        # Built-in functions are found by Keras.
        "import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='relu')])\n"
        "model.save('m.keras')\n",
    )
    INVALID = (
        "import keras\n"
        "def act(t):\n    return t\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=act)])\n"
        "model.save('m.keras')\n",
        "import keras\n"
        "def triplet_loss(margin):\n"
        "    def loss(y, p):\n        return y - p + margin\n    return loss\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss=triplet_loss(0.2))\n"
        "model.save('m.keras')\n",
        "import functools, keras\n"
        "def act(t, scale):\n    return t * scale\n"
        "layer = keras.layers.Activation(functools.partial(act, scale=2.0))\n"
        "model = keras.Sequential([keras.Input((3,)), layer])\n"
        "model.save('m.keras')\n",
    )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        by_call: dict[int, list[tuple[FunctionUse, list[Hazard]]]] = {}
        for use, found in self.saved_hazards(context):
            by_call.setdefault(id(use.site), []).append((use, found))
        for uses in by_call.values():  # one finding per call: compile(loss=f, metrics=[g])
            use, found = uses[0]
            functions = list(dict.fromkeys(h.function.name for _, f in uses for h in f))
            arguments = list(dict.fromkeys(u.argument for u, _ in uses))
            first = found[0]
            compile_note = (
                "; a loss or metric is needed only by a compiled load: "
                "`load_model(..., compile=False)` avoids it"
                if all(u.compile_only for u, _ in uses) and first.function.kind != "partial"
                else ""
            )
            subject = "Function" if first.function.kind == "external" else "Project function"
            yield Violation(
                span=use.span,
                message=f"{subject} {', '.join(f'`{n}`' for n in functions)} passed as "
                f"{', '.join(f'`{a}=`' for a in arguments)} in a model that can be saved "
                f"whole: {first.consequence}{compile_note}",
                fix_hint=fix_hint(first),
            )

    @staticmethod
    def candidates(project: Project, use: FunctionUse) -> list[Hazard]:
        if use.lambda_layer:
            return []  # SER202's
        return [h for h in hazards(project, use) if h.function.kind != "lambda"]
