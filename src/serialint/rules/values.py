"""Simple, sound value tracking: is this expression a Keras model or layer?

Assignments are recorded per scope in source order while the visitor walks, so a lookup sees the
latest assignment before the use.  Anything not understood yields None ("stay quiet").
"""

from __future__ import annotations

import libcst as cst

from serialint import names
from serialint.rules.base import Rule

_MAX_DEPTH = 8


class TracksValues(Rule):
    """A rule base that knows what local names hold, as far as it can tell."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.bindings: list[dict[str, cst.BaseExpression | cst.Annotation | None]] = [{}]
        # ``self.<attr>`` assignments, per enclosing class: methods are visited in order, so
        # ``__init__``'s ``self.model = Sequential(...)`` is known when ``save`` pickles it.
        self.attributes: list[dict[str, cst.BaseExpression]] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        super().visit_ClassDef(node)
        self.attributes.append({})
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.attributes.pop()
        super().leave_ClassDef(original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        super().visit_FunctionDef(node)
        frame: dict[str, cst.BaseExpression | cst.Annotation | None] = {}
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            # An unannotated parameter is unknown, and hides a module-level name of the same name.
            frame[param.name.value] = param.annotation
        self.bindings.append(frame)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.bindings.pop()
        super().leave_FunctionDef(original_node)

    def visit_Assign(self, node: cst.Assign) -> bool | None:
        for target in node.targets:
            self._bind(target.target, node.value)
        return True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool | None:
        if isinstance(node.target, cst.Name):
            self.bindings[-1][node.target.value] = node.value or node.annotation
        return True

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        frame = self.bindings[-1]
        if isinstance(target, cst.Name):
            frame[target.value] = value
        elif _self_attribute(target) is not None and self.attributes:
            self.attributes[-1][_self_attribute(target) or ""] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements):
                for sub_target, sub_value in zip(elements, value.elements, strict=True):
                    self._bind(sub_target, sub_value.value)
            else:  # a, b = f(): unknown; forget older bindings so they are not trusted
                for element in elements:
                    if isinstance(element, cst.Name):
                        frame.pop(element.value, None)

    def keras_value_kind(self, expr: cst.BaseExpression, depth: int = 0) -> str | None:
        """'model' or 'layer' when ``expr`` evaluates to one (or a literal container holding one)."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Call):
            return self.context.index.call_result_kind(self.qualified(expr.func))
        if isinstance(expr, cst.Name):
            for frame in reversed(self.bindings):
                if expr.value in frame:
                    bound = frame[expr.value]
                    if bound is None:
                        return None
                    if isinstance(bound, cst.Annotation):
                        return self._annotation_kind(bound)
                    return self.keras_value_kind(bound, depth + 1)
            return None
        attribute = _self_attribute(expr)
        if attribute is not None:
            for attributes in reversed(self.attributes):
                if attribute in attributes:
                    return self.keras_value_kind(attributes[attribute], depth + 1)
            return None
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            elements = [e.value for e in expr.elements if isinstance(e, cst.Element)]
        elif isinstance(expr, cst.Dict):
            elements = [e.value for e in expr.elements if isinstance(e, cst.DictElement)]
        else:
            return None
        for element in elements:
            kind = self.keras_value_kind(element, depth + 1)
            if kind is not None:
                return kind
        return None

    def _annotation_kind(self, annotation: cst.Annotation) -> str | None:
        qualified = self.qualified(annotation.annotation)
        if qualified is None:
            return None
        keras = names.keras_name(qualified)
        if keras is not None:
            kind = names.serializable_kind(keras)
            return kind if kind in ("model", "layer") else None
        return self.context.index.call_result_kind(qualified)


def _self_attribute(node: cst.BaseExpression) -> str | None:
    """``attr`` for ``self.attr``, else None."""
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        return node.attr.value
    return None
