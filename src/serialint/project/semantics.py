"""Which Keras the project is judged by: the configured ``keras-version``, else inferred.

Keras 2 semantics (tf-keras 2.21) apply when the project imports ``tf_keras`` or sets
``TF_USE_LEGACY_KERAS`` to a true value in its code (then ``tf.keras`` *is* tf_keras);
otherwise Keras 3.  The reason is said in the output, so a user who disagrees knows which
setting to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from serialint.paths import relative_posix
from serialint.project.modules import Modules


@dataclass(frozen=True)
class Semantics:
    major: int  # 3 or 2: what ``tf.keras`` is
    reason: str  # "the default", "keras-version = 2", "src/train.py:3 imports tf_keras"
    inferred: bool = False

    def major_for(self, flavor: str) -> int:
        """The Keras a class or function of this flavour runs on.  ``tf_keras`` and TF's frozen
        copy are always Keras 2; ``tf.keras`` is what the project runs; ``keras`` is Keras 3
        unless ``keras-version = 2`` says it is standalone Keras 2 (importing ``tf_keras`` means
        TF >= 2.16, where ``keras`` is Keras 3)."""
        if flavor in ("keras2", "tf-legacy"):
            return 2
        if flavor == "keras3" and self.inferred:
            return 3
        return self.major

    @property
    def summary(self) -> str:
        return f"Judged by Keras {self.major} semantics ({self.reason})."


def infer_semantics(modules: Modules, configured: int | None) -> Semantics:
    if configured is not None:
        return Semantics(configured, f"keras-version = {configured}")
    for module in sorted(modules, key=lambda m: str(m.path)):
        where = relative_posix(module.path, modules.root)
        for imported in module.facts.imports:
            if imported.module.split(".")[0] == "tf_keras":
                reason = f"inferred: {where}:{imported.span.line} imports tf_keras"
                return Semantics(2, reason, inferred=True)
        if module.facts.legacy_keras_lines:
            line = module.facts.legacy_keras_lines[0]
            return Semantics(2, f"inferred: {where}:{line} sets TF_USE_LEGACY_KERAS", inferred=True)
    return Semantics(3, "the default; set keras-version = 2 for tf-keras")
