"""SER202 lambda-layer."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.project import FunctionUse, Project
from serialint.rules.base import RuleContext, Violation
from serialint.rules.functions.stored import Hazard, StoredFunctionRule, hazards


class LambdaLayer(StoredFunctionRule):
    code = "SER202"

    VALID = (
        # A registered named function in K3 is stored as 'pkg>name' and found at load.
        "import keras\n"
        "@keras.saving.register_keras_serializable(package='p')\n"
        "def double(t):\n    return t * 2\n"
        "inputs = keras.Input((3,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(double)(inputs))\n"
        "model.save('m.keras')\n",
        # Only the weights are ever saved: no bytecode is written.
        "import keras\n"
        "inputs = keras.Input((3,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))\n"
        "model.save_weights('m.weights.h5')\n",
        # A Keras function: stored by name and found by Keras.
        "import keras\n"
        "inputs = keras.Input((3,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(keras.ops.relu)(inputs))\n"
        "model.save('m.keras')\n",
    )
    INVALID = (
        "import keras\n"
        "inputs = keras.Input((3,))\n"
        "model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))\n"
        "model.save('m.keras')\n",
        "from tensorflow.keras import layers, models\n"
        "def build():\n"
        "    def crop(t):\n        return t[:, 1:]\n"
        "    inputs = layers.Input((3,))\n"
        "    return models.Model(inputs, layers.Lambda(crop)(inputs))\n"
        "build().save('m.keras')\n",
        "import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=lambda t: t)])\n"
        "model.save('m.keras')\n",
    )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        for use, found in self.saved_hazards(context):
            first = found[0]
            kind = first.function.kind
            what = {"lambda": "a Python lambda", "partial": "a `functools.partial` of "}.get(
                kind, ""
            )
            if kind != "lambda":
                what += f"`{first.function.name}`"
            where = "`Lambda` layer" if use.lambda_layer else f"`{use.argument}=`"
            yield Violation(
                span=use.site.span if use.lambda_layer else use.span,
                message=f"{where} of {what} in a model that can be saved whole: "
                f"{first.consequence}",
                fix_hint=(
                    "Replace it with a registered Layer subclass (with get_config), or a named "
                    "function decorated with @keras.saving.register_keras_serializable(package=...)"
                ),
            )

    @staticmethod
    def candidates(project: Project, use: FunctionUse) -> list[Hazard]:
        """A Lambda layer's hazards; for other arguments, only Python lambdas (stored as bytecode;
        named functions there are SER201's)."""
        if use.lambda_layer:
            return hazards(project, use)
        if not any(f.kind == "lambda" for f in use.functions):
            return []
        return [h for h in hazards(project, use) if h.function.kind == "lambda"]
