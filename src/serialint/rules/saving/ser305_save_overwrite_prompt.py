"""SER305 save-overwrite-prompt."""

from __future__ import annotations

from collections.abc import Iterator

from serialint.facts.model import Attr, Const
from serialint.findings import Edit, Fix, Position
from serialint.project import Module, Project
from serialint.rules.base import Rule, RuleContext, Violation


class SaveOverwritePrompt(Rule):
    code = "SER305"

    VALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.keras')\n",
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.keras', overwrite=True)\n",
        # Not a model.
        "import numpy as np\nnp.save('a.npy', np.zeros(2))\n",
    )
    INVALID = (
        "import keras\nmodel = keras.Sequential()\nmodel.save('m.keras', overwrite=False)\n",
        "import keras\nmodel = keras.Sequential()\n"
        "keras.saving.save_model(model, 'm.keras', overwrite=False)\n",
        "import keras\nmodel = keras.Sequential()\n"
        "model.save_weights('m.weights.h5', overwrite=False)\n",
    )

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return any(
            _no_overwrite(site.site.call.keyword("overwrite"))
            for site in project.saves.in_module(module)
        )

    def check(self, context: RuleContext) -> Iterator[Violation]:
        for save in context.project.saves.in_module(context.module):
            call = save.site.call
            if not _no_overwrite(call.keyword("overwrite")):
                continue
            name = call.func.attr if isinstance(call.func, Attr) else "save_model"
            keyword = next(k for k in call.keywords if k.name == "overwrite")
            fix = None
            if keyword.span is not None:
                span = keyword.span
                fix = Fix(
                    "Let the save replace the file (`overwrite=True`, the default)",
                    "unsafe",
                    (
                        Edit(
                            "overwrite=True",
                            Position(span.line, span.column),
                            Position(span.end_line, span.end_column),
                        ),
                    ),
                )
            yield Violation(
                span=save.site.func_span,
                message=(
                    f"`{name}(..., overwrite=False)` asks on the terminal before it replaces an "
                    "existing file: `[WARNING] ... already exists - overwrite? [y/n]`. Without a "
                    'terminal (CI, a job, a server) it fails with "EOFError: EOF when reading a '
                    'line"; in a notebook it waits for an answer'
                ),
                fix_hint=(
                    "Remove `overwrite=False` (or check `os.path.exists` yourself and choose a "
                    "new path)"
                ),
                fix=fix,
            )


def _no_overwrite(value: object) -> bool:
    return isinstance(value, Const) and value.value is False
