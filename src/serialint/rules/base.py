"""What every rule shares: context, name resolution, scope tracking, reporting."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import libcst as cst

from serialint.catalogue import RuleDoc
from serialint.config import Config
from serialint.findings import Fix
from serialint.index import ModuleSummary, ProjectIndex
from serialint.names import COMPILE_ONLY_KINDS
from serialint.paths import relative_posix


@dataclass(frozen=True)
class Report:
    """A finding before it has a position: positions are computed only for files that report."""

    code: str
    node: cst.CSTNode
    message: str
    fix_hint: str = ""
    fix: Fix | None = None


@dataclass
class RuleContext:
    summary: ModuleSummary
    index: ProjectIndex
    config: Config
    doc: RuleDoc
    reports: list[Report] = field(default_factory=list)


def dotted_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None (the libcst twin of index.dotted_name)."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


class Rule(cst.BatchableCSTVisitor):
    """One rule: a libcst visitor that reports through :meth:`report`.

    Subclasses set ``code`` (its catalogue entry supplies name, severity and documentation),
    answer :meth:`applies_to` from the project index so that files which cannot hold a finding
    are never parsed with libcst, and may list extra ``VALID``/``INVALID`` snippets; the
    catalogue's own examples are always tested.  All rules of a file share one traversal.
    """

    code: ClassVar[str]
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def applies_to(cls, summary: ModuleSummary, index: ProjectIndex) -> bool:
        """Can this file hold a finding of this rule?  Answered from pass 1 alone."""
        raise NotImplementedError

    def __init__(self, context: RuleContext) -> None:
        super().__init__()
        self.context = context
        # Scope of the node being visited, named as the index names it (module.Class.method).
        self.scope: list[str] = [context.summary.module]

    # -- shared mechanics ---------------------------------------------------------------------
    def qualified(self, node: cst.CSTNode) -> str | None:
        return self.context.summary.qualify(dotted_name(node))

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        self.scope.append(f"{self.scope[-1]}.{node.name.value}")
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        self.scope.append(f"{self.scope[-1]}.{node.name.value}")
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope.pop()

    def report(
        self, node: cst.CSTNode, message: str, *, fix_hint: str = "", fix: Fix | None = None
    ) -> None:
        self.context.reports.append(Report(self.code, node, message, fix_hint, fix))


def keras_major(flavor: str, config: Config) -> int:
    """Which Keras semantics apply to an object of this flavour.

    ``tf_keras`` and TF's frozen ``tensorflow.python.keras`` are always Keras 2; ``keras`` and
    ``tf.keras`` are whatever the project runs, which the ``keras-version`` setting says.
    """
    return 2 if flavor in ("keras2", "tf-legacy") else config.keras_version


def load_failure(name: str, kind: str, major: int) -> str:
    """How loading fails when Keras cannot find the class ``name`` (measured, see the catalogue)."""
    if major == 3:
        return f"fails with \"Could not locate class '{name}'\""
    if kind == "layer":
        return (
            'fails (tf-keras: "The added layer must be an instance of class Layer. '
            f"Received: layer={name} of type <class 'str'>\" in a Sequential model)"
        )
    return "fails: tf-keras cannot find it by name either"


def what_holds(kind: str) -> str:
    """Which saved models hold a class of this kind by name."""
    if kind in COMPILE_ONLY_KINDS:
        return "a model compiled with it"
    return "a saved model that contains it"


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def has_double_star(call: cst.Call) -> bool:
    return any(a.star == "**" for a in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def relative(path: Path, root: Path) -> str:
    return relative_posix(path, root)


def describe_class(index: ProjectIndex, qualname: str) -> str:
    cls = index.classes[qualname]
    return f"`{cls.name}` ({relative(cls.path, index.root)}:{cls.line})"


_DECORATOR_BY_FLAVOR = {
    "keras3": "keras.saving.register_keras_serializable",
    # tf.keras.utils has it in every TensorFlow 2 release; tf.keras.saving only from 2.13.
    "tf.keras": "tf.keras.utils.register_keras_serializable",
    "tf-legacy": "tf.keras.utils.register_keras_serializable",
    "keras2": "tf_keras.utils.register_keras_serializable",
}


def registration_decorator(flavor: str) -> str:
    """The registration decorator spelled for the Keras the class derives from."""
    return _DECORATOR_BY_FLAVOR.get(flavor, _DECORATOR_BY_FLAVOR["keras3"])
