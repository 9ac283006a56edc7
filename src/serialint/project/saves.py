"""Save sites: every call that persists a model, whole (by class name) or as state only."""

from __future__ import annotations

from dataclasses import dataclass

from serialint import names
from serialint.facts.model import Attr, Call, CallSite, Const, Local, Param, Ref, Seq, Value
from serialint.project.contents import ContentsAnalysis
from serialint.project.modules import Module, Modules
from serialint.project.values import UNKNOWN, Contents, Values


@dataclass(frozen=True)
class SaveSite:
    module: Module
    site: CallSite
    whole: bool  # a whole model, stored by class name; False: weights, checkpoints, exports
    value: Value | None  # what is saved; None: cannot be told (a callback's model)
    # Which save it is: "save", "save_model", "ModelCheckpoint", "save_weights", "export",
    # "to_json", "to_yaml", "saved_model", "Checkpoint", "state", "external"; where it writes
    # (the filepath argument, when the save takes one); and the Keras flavour of a Keras
    # function or class (None for a method, whose Keras the receiver decides).
    function: str = ""
    path: Value | None = None
    flavor: str | None = None

    @property
    def scope(self) -> str:
        return self.site.scope


def _receiver_name(value: Value) -> str:
    if isinstance(value, (Local, Param)):
        return value.name
    if isinstance(value, Attr):
        return value.attr
    if isinstance(value, Ref):
        return value.name.rpartition(".")[2]
    return ""


class Saves:
    def __init__(self, modules: Modules, values: Values, contents: ContentsAnalysis) -> None:
        self.modules = modules
        self.values = values
        self.analysis = contents
        self.sites: list[SaveSite] = []
        for module in modules:
            if module.name.split(".")[0] in names.KERAS_SELF_IMPORTING_PACKAGES:
                continue  # Keras' own implementation of saving (checking Keras itself)
            fits: dict[str, list[Value]] = {}
            for site in module.facts.calls:
                func = site.call.func
                if isinstance(func, Attr) and func.attr == "fit":
                    fits.setdefault(site.scope, []).append(func.value)
            for site in module.facts.calls:
                found = self._save(module, site, fits.get(site.scope, []))
                if found is not None:
                    self.sites.append(found)
        self._contents: dict[int, Contents] = {}
        self._by_module: dict[str, list[SaveSite]] = {}
        for save in self.sites:
            self._by_module.setdefault(save.module.name, []).append(save)

    def in_module(self, module: Module) -> list[SaveSite]:
        """The saves written in ``module`` (asked of every file: an index, not a scan)."""
        return self._by_module.get(module.name, [])

    def _save(self, module: Module, site: CallSite, fitted: list[Value]) -> SaveSite | None:
        call = site.call
        func = call.func
        callee = self.values.qualify(module, func)
        keras = names.keras_name(callee) if callee is not None else None
        if keras is not None and keras.path == "saving.save_model":
            path = call.argument(1, "filepath")
            model = call.argument(0, "model")
            return SaveSite(module, site, True, model, "save_model", path, keras.flavor)
        if callee in names.EXTERNAL_MODEL_SAVES:
            return SaveSite(module, site, True, call.argument(0, "model"), "external")
        checkpoint = (
            keras
            if keras is not None and keras.path == "callbacks.ModelCheckpoint"
            else self._checkpoint_base(callee)
        )
        if checkpoint is not None:
            weights_only = call.keyword("save_weights_only")
            whole = not (isinstance(weights_only, Const) and weights_only.value is True)
            value: Value | None = Seq("list", tuple(fitted)) if fitted else None
            path = call.argument(0, "filepath")
            return SaveSite(module, site, whole, value, "ModelCheckpoint", path, checkpoint.flavor)
        if callee in names.STATE_ONLY_SAVES:
            if callee is not None and callee.endswith("saved_model.save"):
                obj, export_dir = call.argument(0, "obj"), call.argument(1, "export_dir")
                return SaveSite(module, site, False, obj, "saved_model", export_dir)
            if callee is not None and callee.endswith(".Checkpoint"):
                saved = Seq("list", tuple(k.value for k in call.keywords))
                return SaveSite(module, site, False, saved, "Checkpoint")
            return SaveSite(module, site, False, None, "state")
        if not isinstance(func, Attr) or self._is_module(module, func.value):
            return None
        receiver = func.value
        path = call.argument(0, "filepath")
        if func.attr in ("save_weights", "export"):
            return SaveSite(module, site, False, receiver, func.attr, path)
        if func.attr in ("save", "to_json", "to_yaml") and self._model_like(module, site, receiver):
            return SaveSite(module, site, True, receiver, func.attr, path)
        return None

    def _checkpoint_base(self, callee: str | None) -> names.KerasName | None:
        """A project subclass of ModelCheckpoint saves as ModelCheckpoint does: its base."""
        cls = self.values.classes.get(callee)
        bases = self.values.classes.keras_bases(cls) if cls is not None else []
        return next((b for b in bases if b.path == "callbacks.ModelCheckpoint"), None)

    def _is_module(self, module: Module, receiver: Value) -> bool:
        """``np.save``, ``torch.save``, ``tf.saved_model.save``: a module's function, not a model."""
        if not isinstance(receiver, Ref):
            return False
        qualified = self.values.qualify(module, receiver)
        return qualified is None or self.values.global_values(qualified) is None

    def _own_saver(self, module: Module, receiver: Value, line: int) -> bool:
        """An instance of a project class that is not a Keras one and defines a ``save`` that
        saves no model itself (elephas' ``ElephasTransformer.save("test.h5")`` writes with
        h5py): not a model save."""
        made: Value | None = receiver
        if isinstance(receiver, Local):
            made = self.values.bound_before(module, receiver, line)
        if not isinstance(made, Call):
            return False
        cls = self.values.classes.get(self.values.qualify(module, made.func))
        if cls is None or self.values.classes.keras_kind(cls) is not None:
            return False
        found = self.values.classes.method(cls, "save")
        method = self.values.modules.function_fact(found[1]) if found is not None else None
        if method is None:
            return False
        # SparkModel.save(path) calls self._master_network.save(path): a wrapper, a model save.
        body = method[1]
        return "save" not in body.method_calls and not any(
            c.endswith(("save_model", ".save")) for c in body.calls
        )

    def _model_like(self, module: Module, site: CallSite, receiver: Value) -> bool:
        call = site.call
        if self._own_saver(module, receiver, site.span.line):
            return False
        if self.values.keras_value_kind(module, receiver, site.span.line) == "model":
            return True
        if isinstance(receiver, Param):  # self.save(...) in a method of a Keras model class
            cls = self.values.class_of_scope(module, receiver.scope)
            kind = self.values.classes.keras_kind(cls) if cls is not None else None
            if kind is not None and kind.kind == "model":
                return True
        if "model" in _receiver_name(receiver).lower():
            return True
        if call.func.attr != "save":  # type: ignore[union-attr]
            return False  # to_json of a DataFrame is not a model save
        first = call.argument(0, "filepath")
        return (
            isinstance(first, Const)
            and isinstance(first.value, str)
            and first.value.endswith(names.MODEL_FILE_SUFFIXES)
        ) or call.keyword("save_format") is not None

    def contents(self, save: SaveSite) -> Contents:
        """The project classes the saved value can contain."""
        key = id(save)
        if key not in self._contents:
            self._contents[key] = (
                UNKNOWN if save.value is None else self.analysis.of(save.module, save.value)
            )
        return self._contents[key]

    def holding(self, qualname: str) -> list[SaveSite]:
        """Saves whose value is traced to contain the class."""
        return [s for s in self.sites if qualname in self.contents(s).classes]

    def holding_function(self, marker: str) -> list[SaveSite]:
        """Saves whose value is traced to hold the stored function (see StoredFunctions)."""
        return [s for s in self.sites if marker in self.contents(s).functions]

    def untraced(self, *, whole: bool) -> list[SaveSite]:
        return [s for s in self.sites if s.whole == whole and self.contents(s).unknown]
