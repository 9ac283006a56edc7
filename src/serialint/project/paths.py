"""What a save or load path is, as far as the code makes it constant.

A path is followed through literals, f-strings, ``+``, ``os.path.join``, ``pathlib.Path`` and
``/``, ``str(...)``, ``"...".format(...)``, variables assigned once, module constants (also of
other modules) and a parameter's constant default.  Parts that are not constant are kept as a
placeholder, so that ``f"{run_dir}/model_{epoch}.h5"`` still has a known suffix (``.h5``).
When a part cannot be followed at all, the answer is None: the rules then stay quiet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from serialint.facts.model import Attr, BinOp, Call, Const, FString, Local, Param, Ref, Value
from serialint.project.modules import Module
from serialint.project.values import Values

HOLE = "\x00"  # a part of the path that is not constant
_MAX_DEPTH = 8


@dataclass(frozen=True)
class PathText:
    text: str  # with HOLE where a part is not constant
    literal: Const | None = None  # the one string literal the whole path is, when it is

    @property
    def tail(self) -> str | None:
        """The end of the path after its last non-constant part: what its suffix is decided by.
        None when the path ends in a non-constant part."""
        tail = self.text.rpartition(HOLE)[2]
        return None if self.text.endswith(HOLE) else tail

    def ends_with(self, *suffixes: str) -> bool:
        tail = self.tail
        return tail is not None and tail.lower().endswith(suffixes)

    @property
    def extension(self) -> str | None:
        """The file extension of the last path component ('' when it has none); None when the
        last component is not constant."""
        tail = self.tail
        if tail is None:
            return None
        name = tail.replace("\\", "/").rpartition("/")[2]
        if HOLE in self.text and "/" not in tail and "." not in name:
            return None  # f"{name}_best": the dot may be in the part we cannot see
        base, dot, extension = name.rpartition(".")
        # ``f"{stem}.ckpt"``: the name before the dot is the part we cannot see.
        after_hole = HOLE in self.text and "/" not in tail
        return f".{extension}" if dot and (base or after_hole) else ""


def same_file(first: PathText, second: PathText) -> bool:
    """Can the two paths name the same file?  Equal constant paths, or constant ends (after
    the last non-constant part) of which one ends the other, naming at least a file."""
    if HOLE not in first.text and HOLE not in second.text:
        return first.text == second.text
    ends = sorted((first.tail, second.tail), key=lambda t: len(t or ""))
    short, long = ends
    if short is None or long is None:
        return False
    directory, _, name = short.replace("\\", "/").rpartition("/")
    if short == long and (directory or "/" in short) and len(name) > 2:
        return True  # f"{run}/action_model" both times: the same directory or file name
    return "." in name and len(name) > 2 and long.endswith(short)


class Paths:
    def __init__(self, values: Values) -> None:
        self.values = values

    def of(self, module: Module, value: Value | None, depth: int = 0) -> PathText | None:
        if value is None or depth > _MAX_DEPTH:
            return None
        d = depth + 1
        if isinstance(value, Const):
            if isinstance(value.value, str):
                return PathText(value.value, value)
            return None
        if isinstance(value, FString):
            parts = []
            for part in value.parts:
                if isinstance(part, Const) and isinstance(part.value, str):
                    parts.append(part.value)
                else:
                    inner = self.of(module, part, d)
                    parts.append(inner.text if inner is not None else HOLE)
            return PathText("".join(parts))
        if isinstance(value, BinOp) and value.op == "%":
            # "keras_bert_%f.h5" % time: the conversions are holes.
            template = self.of(module, value.left, d)
            if template is None:
                return None
            return PathText(re.sub(r"%[-#0 +]*[\d.*]*[a-zA-Z%]", HOLE, template.text))
        if isinstance(value, BinOp) and value.op in ("+", "/"):
            left, right = self.of(module, value.left, d), self.of(module, value.right, d)
            sep = "/" if value.op == "/" else ""
            return PathText((left.text if left else HOLE) + sep + (right.text if right else HOLE))
        if isinstance(value, Call):
            return self._call(module, value, d)
        if isinstance(value, Local):
            assigned = self.values.locals_of(module, value)
            return self._one(module, assigned, d)
        if isinstance(value, Param):
            default = self.of(module, value.default, d) if value.default is not None else None
            # `weights="imagenet"`: a sentinel the function branches on, not a file name.
            if default is None or ("." not in default.text and "/" not in default.text):
                return None
            return PathText(default.text)
        if isinstance(value, Ref):
            qualified = self.values.qualify(module, value)
            found = self.values.global_values(qualified) if qualified else None
            return self._one(found[0], found[1], d) if found is not None else None
        return None

    def each(self, module: Module, value: Value | None) -> list[PathText]:
        """Every path a value can be: one per assignment of a variable assigned in branches
        (``path = FN if exists(FN) else f"../{FN}"`` as an if/else)."""
        if isinstance(value, Local):
            assigned = self.values.locals_of(module, value)
            if len(assigned) > 1:
                return [p for a in assigned if (p := self.of(module, a)) is not None]
        path = self.of(module, value)
        return [path] if path is not None else []

    def _one(self, module: Module, assigned: tuple[Value, ...], depth: int) -> PathText | None:
        """A variable's value when every assignment gives the same suffix."""
        found = [self.of(module, a, depth) for a in assigned]
        if not found or any(f is None for f in found):
            return None
        texts = {f.text for f in found if f is not None}
        if len(texts) == 1:
            return found[0]
        extensions = {f.extension for f in found if f is not None}
        if len(extensions) != 1:
            return None
        extension = next(iter(extensions))
        return PathText(HOLE + extension) if extension is not None else None

    def _call(self, module: Module, call: Call, depth: int) -> PathText | None:
        func = call.func
        if isinstance(func, Attr) and func.attr == "format":
            base = self.of(module, func.value, depth)
            if base is None:
                return None
            text = base.text
            # "{}/model_{epoch:02d}.h5".format(...): the fields are holes.
            out, inside = [], False
            for char in text:
                if char == "{":
                    inside = True
                    out.append(HOLE)
                elif char == "}":
                    inside = False
                elif not inside:
                    out.append(char)
            return PathText("".join(out))
        if isinstance(func, Attr) and func.attr in ("joinpath", "with_suffix"):
            base = self.of(module, func.value, depth)
            parts = [self.of(module, a, depth) for a in call.args]
            if func.attr == "with_suffix" and parts and parts[0] is not None:
                return PathText(HOLE + parts[0].text)
            texts = [base.text if base else HOLE, *(p.text if p else HOLE for p in parts)]
            return PathText("/".join(texts))
        qualified = self.values.qualify(module, func) or ""
        if isinstance(func, Ref) and func.name == "?str":
            qualified = "str"  # the builtin
        if qualified in ("os.path.join", "posixpath.join", "ntpath.join"):
            parts = [self.of(module, a, depth) for a in call.args]
            return PathText("/".join(p.text if p else HOLE for p in parts)) if parts else None
        if qualified in ("pathlib.Path", "pathlib.PurePath", "?str", "str", "os.fspath"):
            if len(call.args) == 1:
                return self.of(module, call.args[0], depth)
            if call.args and qualified.startswith("pathlib."):
                parts = [self.of(module, a, depth) for a in call.args]
                return PathText("/".join(p.text if p else HOLE for p in parts))
        return None
