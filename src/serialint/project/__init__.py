"""The project join: every module's facts together, and the questions several rules ask.

Answers depend only on the facts, never on the order questions are asked in: caches hold
complete answers only (see each cycle guard).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from serialint import names
from serialint.facts.model import Attr, Call, ModuleFacts, Param, Ref, Value
from serialint.packaging import Packagings, is_test_module_name
from serialint.paths import relative_parts, relative_posix, resolved
from serialint.project.arguments import ValueKinds
from serialint.project.classes import Classes, KerasKind, ProjectClass
from serialint.project.collisions import registration_collisions
from serialint.project.configs import ClassConfig, ConfigAnalysis
from serialint.project.contents import ContentsAnalysis
from serialint.project.imports import ImportGraph
from serialint.project.loads import Loads, LoadSite
from serialint.project.modules import Module, Modules
from serialint.project.paths import HOLE, Paths, PathText, same_file
from serialint.project.pickles import Pickles, PickleSite
from serialint.project.registry import Registration, Registry
from serialint.project.saves import Saves, SaveSite
from serialint.project.semantics import Semantics, infer_semantics
from serialint.project.stored_functions import FunctionUse, StoredFunction, StoredFunctions
from serialint.project.values import Mapping, Values

__all__ = [
    "ClassConfig",
    "FunctionUse",
    "Helper",
    "KerasKind",
    "LoadSite",
    "Module",
    "Persistence",
    "PickleSite",
    "Project",
    "ProjectClass",
    "SaveSite",
    "Semantics",
    "StoredFunction",
]


@dataclass(frozen=True)
class Persistence:
    """How the models that can hold a class are persisted."""

    whole: tuple[SaveSite, ...] = ()  # whole-model saves that can hold it (or cannot be traced)
    state: tuple[SaveSite, ...] = ()  # weights / checkpoint / export saves traced to hold it
    beside: tuple[SaveSite, ...] = ()  # whole saves next to its construction that do not hold it


@dataclass(frozen=True)
class Helper:
    """A project function returning a readable custom-objects dict (``get_custom_objects()``)."""

    qualified: str
    module: Module
    line: int
    mapping: Mapping = field(compare=False)


class Project:
    def __init__(
        self,
        facts: Iterable[ModuleFacts],
        root: Path,
        keras_version: int | None = None,
        packaging: Packagings | None = None,
    ) -> None:
        self.root = root
        self.packaging = packaging or Packagings({})
        self.modules = Modules(facts, root)
        self.semantics = infer_semantics(self.modules, keras_version)
        self.keras_version = self.semantics.major
        self.classes = Classes(self.modules)
        self.values = Values(self.modules, self.classes)
        self.registry = Registry(self.modules, self.classes, self.values, self.keras_version)
        self.loads = Loads(self.modules, self.values)
        self.imports = ImportGraph(self.modules, self.classes)
        self.stored_functions = StoredFunctions(self.modules, self.values)
        self.contents = ContentsAnalysis(self.values, self.stored_functions)
        self.saves = Saves(self.modules, self.values, self.contents)
        self.kinds = ValueKinds(self.modules, self.classes, self.values)
        self.paths = Paths(self.values)
        self.pickles = Pickles(self.modules, self.values, self.paths)
        self.configs = ConfigAnalysis(
            self.classes,
            self.values,
            self.kinds,
            self.semantics,
            self.is_library,
            lambda qualname: qualname in self._instantiated,
        )
        # Callee -> the classes (or '' for module level and plain functions) it is called from.
        self._callers: dict[str, set[str]] = defaultdict(set)
        # Callee -> the (module, scope) pairs whose own code calls it.
        self._call_scopes: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for module in self.modules:
            for callee in self.values.module_callees(module):
                self._callers[callee].add("")
                self._call_scopes[callee].add((module.name, ""))
            for function in module.facts.functions.values():
                context = self._context_class(module, function.qualname)
                for callee in function.calls:
                    if callee.startswith(":"):
                        continue
                    qualified = self.modules.qualify(module, callee)
                    if qualified is not None:
                        self._callers[qualified].add(context)
                        self._call_scopes[qualified].add((module.name, function.qualname))
        self._relevance: dict[tuple[str, bool], list[tuple[ProjectClass, KerasKind]]] = {}
        self._load_relevance: dict[int, set[str]] = {}
        self._persisted: dict[str, bool] = {}
        self._runnable_cache: dict[frozenset[str], set[str]] = {}
        self._written: dict[int, PathText | None] = {}
        self._meeting: dict[str, list[LoadSite]] = {}

    @staticmethod
    def _context_class(module: Module, function: str) -> str:
        parts = function.split(".")
        for end in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in module.facts.class_index:
                return f"{module.name}.{prefix}"
        return ""

    # -- classes ----------------------------------------------------------------------------------
    def keras_classes(self, module: Module) -> list[tuple[ProjectClass, KerasKind]]:
        found = []
        for fact in module.facts.classes:
            cls = self.classes.of_statement(module, fact)
            kind = self.classes.keras_kind(cls)
            if kind is not None:
                found.append((cls, kind))
        return found

    def judged_major(self, kind: KerasKind) -> int:
        """Which Keras semantics apply: tf_keras and TF's frozen copy are always Keras 2."""
        return self.semantics.major_for(kind.base.flavor)

    def found_by_module_import(self, cls: ProjectClass, kind: KerasKind) -> bool:
        """Keras 3 imports the recorded module itself, but only for its own packages."""
        top = cls.module.name.split(".")[0]
        return self.judged_major(kind) == 3 and top in names.KERAS_SELF_IMPORTING_PACKAGES

    def is_library(self, module: Module) -> bool:
        """Part of a distributable package: its users save and load what it defines."""
        packaging = self.packaging.for_path(resolved(module.path))
        return packaging.distributes(module.name, "." in module.name or module.is_package)

    def is_test_code(self, module: Module) -> bool:
        """A test module: under a tests/ (test/, testing/) directory, or named test_*.py,
        *_test.py or conftest.py."""
        parts = relative_parts(module.path, self.root) or module.path.parts
        dotted = ".".join([*parts[:-1], module.path.stem])
        return is_test_module_name(dotted) or is_test_module_name(module.name)

    def is_public(self, cls: ProjectClass) -> bool:
        """Importable by a library's users: not private by name, or re-exported publicly."""
        if cls.name.startswith("_") or cls.fact.in_function:
            return False
        if not any(part.startswith("_") for part in cls.module.name.split(".")):
            return True
        return cls.qualname in self._public_reexports

    @cached_property
    def _public_reexports(self) -> set[str]:
        found = set()
        for module in self.modules:
            if not module.is_package or any(p.startswith("_") for p in module.name.split(".")):
                continue
            for local, reference in module.facts.names.items():
                if local.startswith("_"):
                    continue
                qualified = self.modules.qualify(module, reference)
                if qualified is not None:
                    found.add(qualified)
        return found

    @cached_property
    def _instantiated(self) -> set[str]:
        """Classes called somewhere, or used as a value (a factory dict, ``partial``)."""
        used = {
            qualified
            for module in self.modules
            for reference in module.facts.value_refs
            if (qualified := self.modules.qualify(module, reference)) is not None
        }
        return set(self._callers) | used

    def is_concrete(self, cls: ProjectClass) -> bool:
        """Instantiated somewhere, or not subclassed.  A library's class that is only subclassed
        counts as abstract only with evidence, since its users may instantiate it: a private or
        Base/Abstract/Mixin name, abstract methods, or a package API that does not offer it."""
        if cls.qualname in self._instantiated or not self.classes.subclasses.get(cls.qualname):
            return True
        if not self.is_library(cls.module):
            return False
        name = cls.name
        abstract_name = (
            _ABSTRACT_NAME.search(name) is not None  # _Base, BaseLayer, LayerBase, Mixin
            or name in self._direct_keras_base_names(cls)  # bert4keras' own `Layer`
        )
        return not (abstract_name or cls.fact.abstract_hints or not self.is_advertised(cls))

    def _direct_keras_base_names(self, cls: ProjectClass) -> set[str]:
        """``class RNN(keras.layers.RNN)``: the project's own version of a Keras base."""
        return {
            keras.name
            for base in self.classes.bases(cls)
            if (keras := names.keras_name(base)) is not None
        }

    def is_advertised(self, cls: ProjectClass) -> bool:
        """Offered to a library's users explicitly: re-exported by a public package's
        ``__init__``, listed in its module's ``__all__``, defined in a module of building blocks
        (``kgcnn.layers.conv``, ``deepctr.layers``, ``pkg.losses``: the convention for what
        users compose), or handed out by the library's own custom-objects helper.  A class reachable only by its full module path, that the
        library itself uses only inside other classes, is an implementation detail."""
        if not self.is_public(cls):
            return False
        all_names = cls.module.facts.all_names
        return (
            cls.qualname in self._public_reexports
            or (all_names is not None and cls.name in all_names)
            or any(part in names.KIND_PACKAGES for part in cls.module.name.split("."))
            or any(cls.qualname in helper.mapping.values for helper in self.helpers)
        )

    def is_internal(self, cls: ProjectClass) -> bool:
        """Created only inside other Keras classes, which rebuild it from their own config, so
        Keras stores it inside the parent's state, never by its own class name (keras-tcn's
        ResidualBlock inside TCN).  Not when a parent serializes it in ``get_config`` or wires
        it into a functional model, and not for a library's public class (users use it)."""
        contexts = self._callers.get(cls.qualname, set())
        if not contexts:
            return False
        for context in contexts:
            parent = self.classes.all.get(context) if context else None
            if parent is None or parent.qualname == cls.qualname:
                return False
            if self.classes.keras_kind(parent) is None or self._wires_functional(parent):
                return False
            if self._configures(parent, cls):
                return False
        return not (self.is_library(cls.module) and self.is_advertised(cls))

    def _configures(self, parent: ProjectClass, cls: ProjectClass) -> bool:
        """The parent's ``get_config`` stores the sublayer: through ``serialize_keras_object``,
        or as the layer object itself (``{"inner": self.inner}``), which Keras 3 serializes
        by class name."""
        for owner in [parent, *self.classes.ancestors(parent)]:
            config = owner.fact.get_config
            if config is None:
                continue
            if config.serializes:
                return True
            for attribute in config.attributes:
                for current in [parent, *self.classes.ancestors(parent)]:
                    for value in current.fact.attribute(attribute):
                        if cls.qualname in self.contents.of(current.module, value).classes:
                            return True
        return False

    def _wires_functional(self, cls: ProjectClass) -> bool:
        """A method builds ``keras.Model(inputs, outputs)``: its sublayers escape into a graph
        that is saved by class name (LPR_v2's ``TinyLPR.build()``), or the parent is a
        Sequential or functional model itself (stable-diffusion's ``Decoder(keras.Sequential)``,
        ``super().__init__(inputs, outputs)``), whose config lists its layers by class name."""
        keras_bases = self.classes.keras_bases(cls)
        if any(b.path in ("models.Sequential", "models.Functional") for b in keras_bases):
            return True
        for site in cls.module.facts.calls:
            call = site.call
            functional = len(call.args) >= 2 or call.keyword("inputs") or call.keyword("outputs")
            in_init = site.scope == f"{cls.fact.qualname}.__init__"
            if in_init and functional and _calls_super_init(call):
                return True
        for method in cls.fact.methods:
            function = cls.module.facts.functions.get(f"{cls.fact.qualname}.{method}")
            if function is None:
                continue
            for returned in function.returns:
                if self.values.keras_value_kind(cls.module, returned, 10**9) == "model":
                    return True
        return False

    def is_registered(self, cls: ProjectClass) -> bool:
        return self.registry.is_registered(cls)

    @cached_property
    def unfindable(self) -> list[tuple[ProjectClass, KerasKind]]:
        """Concrete Keras classes a load cannot find by name: unregistered, not found through
        their module, not rebuilt by a parent.  In a stable order."""
        found = []
        for cls in self.classes.definitions:
            kind = self.classes.keras_kind(cls)
            if (
                kind is not None
                and self.is_concrete(cls)
                and not self.is_registered(cls)
                and not self.found_by_module_import(cls, kind)
                and not self.is_internal(cls)
            ):
                found.append((cls, kind))
        return sorted(found, key=lambda item: (str(item[0].module.path), item[0].line))

    @cached_property
    def _unfindable_keys(self) -> set[str]:
        return {cls.key for cls, _ in self.unfindable}

    def is_unfindable(self, cls: ProjectClass) -> bool:
        return cls.key in self._unfindable_keys

    def persisted_by_class_name(self, cls: ProjectClass) -> bool:
        """Can a model holding the class be saved whole, so that a load meets it by name?

        False only on positive evidence, and never for a library's class (its users save):
        a test's class that no test program saves whole; a class whose models are only saved
        as weights, checkpoints or exports; a training wrapper (a VAE, a GAN) that no save can
        hold while the functional parts built beside it are saved.
        """
        if cls.key not in self._persisted:
            self._persisted[cls.key] = self._judge_persisted(cls)
        return self._persisted[cls.key]

    def _judge_persisted(self, cls: ProjectClass) -> bool:
        if self.is_library(cls.module):
            return True
        persistence = self.persistence(cls)
        if persistence.whole:
            return True
        if self.is_test_code(cls.module) or persistence.state:
            return False
        kind = self.classes.keras_kind(cls)
        wrapper = (
            kind is not None and kind.kind == "model" and self.classes.method(cls, "train_step")
        )
        return not (wrapper and persistence.beside)

    @cached_property
    def registration_collisions(self) -> list[list[tuple[ProjectClass, Registration]]]:
        return registration_collisions(
            self.registry, self.classes, self.modules, self.is_library, self.import_closure
        )

    def written_by(self, save: SaveSite) -> PathText | None:
        """Where a save writes, as far as the code makes it constant (asked for every save by
        several joins: computed once)."""
        key = id(save)
        if key not in self._written:
            self._written[key] = self.paths.of(save.module, save.path)
        return self._written[key]

    @cached_property
    def weights_files(self) -> dict[str, SaveSite]:
        """Constant paths the project's weights saves write (``save_weights``, a weights-only
        ``ModelCheckpoint``): path -> the first save writing it."""
        found: dict[str, SaveSite] = {}
        for save in self.saves.sites:
            if save.whole or save.function not in ("save_weights", "ModelCheckpoint"):
                continue
            path = self.written_by(save)
            if path is not None and HOLE not in path.text:
                found.setdefault(path.text, save)
        return found

    @cached_property
    def savedmodel_writes(self) -> list[tuple[PathText, SaveSite]]:
        """Paths the project writes a TensorFlow SavedModel directory to: ``tf.saved_model.save``,
        ``model.export``, and a whole save without an extension (a SavedModel in Keras 2)."""
        found = []
        for save in self.saves.sites:
            path = self.written_by(save)
            if path is None:
                continue
            # Keras 2 writes a SavedModel for any whole-save path but .keras/.h5/.hdf5.
            keras_save = save.whole and save.function in ("save", "save_model", "ModelCheckpoint")
            savedmodel_path = path.extension is not None and not path.ends_with(*_MODEL_FILES)
            if save.function in ("saved_model", "export") or (keras_save and savedmodel_path):
                found.append((path, save))
        return found

    def savedmodel_read_by(self, load: LoadSite) -> SaveSite | None:
        """The save writing a SavedModel directory where a Keras load reads, linked by path."""
        if load.wrapper is not None or load.function != "load_model":
            return None
        for path in self.paths.each(load.module, load.path):
            if path.ends_with(*_MODEL_FILES):
                continue
            for written, save in self.savedmodel_writes:
                if same_file(path, written):
                    return save
        return None

    def pickled_model_read_by(self, load: PickleSite) -> tuple[PickleSite, str] | None:
        """The dump of a Keras model or layer whose file this pickle load reads (linked by path),
        and what it pickles (see pickled_keras)."""
        for dump in self.pickles.dumps:
            if dump.value is None or not any(
                same_file(read, written) for read in load.files for written in dump.files
            ):
                continue
            what = self.pickled_keras(dump.module, dump.value, dump.site.span.line)
            if what is not None:
                return dump, what
        return None

    def pickled_keras(self, module: Module, value: Value, line: int) -> str | None:
        """What Keras object a pickled value holds, in words ("Keras model", "`Agent` object
        holding a Keras model in `self.model`"); None when it holds none that can be seen."""
        kind = self.values.keras_value_kind(module, value, line)
        if kind is not None:
            return f"Keras {kind}"
        if isinstance(value, Param):  # a helper: save_model(model, path) pickles its argument
            callers = self.values.model_arguments(module, value)
            if not callers:
                return None
            shown = ", ".join(
                f"{relative_posix(m.path, self.root)}:{c.span.line}" for m, c in callers[:3]
            )
            return f"Keras model (passed by {shown})"
        holder = self.values.model_holder(module, value, line)
        if holder is None:
            return None
        cls, attribute = holder
        return f"`{cls.name}` object holding a Keras model in `self.{attribute}`"

    def saves_read_by(self, load: LoadSite) -> list[SaveSite]:
        """The whole saves writing the file a load reads, linked by path.  A program that writes
        the file itself reads what it wrote (two tutorials may both use "my_model.keras")."""
        if load.wrapper is not None:
            return []
        paths = self.paths.each(load.module, load.path)
        matching = []
        for save in self.saves.sites:
            written = self.written_by(save)
            if save.whole and written is not None and any(same_file(p, written) for p in paths):
                matching.append(save)
        closure = self.import_closure(load.module)
        own = [save for save in matching if save.module.name in closure]
        return own or matching

    def functions_read_by(
        self, load: LoadSite
    ) -> list[tuple[FunctionUse, StoredFunction, SaveSite]]:
        """The functions stored by name in the models a load reads (linked by path)."""
        found = []
        for save in self.saves_read_by(load):
            contents = self.saves.contents(save)
            for use in self.stored_functions.uses:
                if use.marker in contents.functions:
                    found += [(use, function, save) for function in use.functions]
        return found

    def registered_needed_by(self, load: LoadSite) -> list[tuple[str, Module, SaveSite]]:
        """Registered project classes and functions that the file a load reads holds:
        (name, defining module, the save writing it)."""
        found: dict[str, tuple[str, Module, SaveSite]] = {}
        for save in self.saves_read_by(load):
            for qualname in sorted(self.saves.contents(save).classes):
                cls = self.classes.get(qualname)
                if cls is not None and self.is_registered(cls) and self.classes.keras_kind(cls):
                    found.setdefault(qualname, (cls.name, cls.module, save))
        for _, function, save in self.functions_read_by(load):
            name = function.function
            if name and self.registry.function_registered(name):
                split = self.modules.split(name)
                if split is not None:
                    found.setdefault(name, (function.name, split[0], save))
        return list(found.values())

    def config_judged(self, cls: ProjectClass) -> bool:
        """Is the class's config written to model files?  Concrete, not rebuilt by a parent,
        and persisted by class name (the same evidence SER101 uses)."""
        return (
            self.is_concrete(cls)
            and not self.is_internal(cls)
            and self.persisted_by_class_name(cls)
        )

    def config_of(self, cls: ProjectClass) -> ClassConfig | None:
        """Its configuration, when it is judged and defines what a hazard would be about: a
        subclass that adds nothing to a judged project base is reported at the base."""
        config = self.configs.of(cls)
        if config is None or not self.config_judged(cls):
            return None
        if not config.defines:
            owners = (config.init_owner, config.config_owner, config.from_config_owner)
            if any(o is not None and o is not cls and self.config_judged(o) for o in owners):
                return None
        return config

    @cached_property
    def stored_by_name(self) -> list[tuple[ProjectClass, KerasKind]]:
        """The unfindable classes that a load can meet (see persisted_by_class_name)."""
        return [item for item in self.unfindable if self.persisted_by_class_name(item[0])]

    # -- imports --------------------------------------------------------------------------------
    def import_closure(self, module: Module) -> set[str]:
        """Project modules ``module`` imports, directly or through others (itself included)."""
        return self.imports.closure(module)

    # -- loads ----------------------------------------------------------------------------------
    def classes_relevant_to(
        self, module: Module, *, bare_fallback: bool = True
    ) -> list[tuple[ProjectClass, KerasKind]]:
        """The classes (unfindable, stored by name) a model loaded in ``module`` can contain.

        A program that imports Keras classes of its own loads models built from those.  A loader
        that imports none (a bare serving script) may load anything the project trains: it is
        linked to the classes under the same top-level directory, or, when that directory has
        none (``tools/demo.py`` next to ``crnn/``; a registered layer beside it does not
        count), to every class of the project.
        """
        cached = self._relevance.get((module.name, bare_fallback))
        if cached is not None:
            return cached
        closure = self.import_closure(module)
        own = [item for item in self.stored_by_name if item[0].module.name in closure]
        imports_keras_classes = own or any(
            self.classes.keras_kind(c)
            for c in self.classes.all.values()
            if c.module.name in closure
        )
        if imports_keras_classes or not bare_fallback:
            found = own
        else:
            # A class made inside a function exists only where that function runs: a loader
            # elsewhere can meet it only through its own module.
            candidates = [
                item
                for item in self.stored_by_name
                if (not item[0].fact.in_function or item[0].module.name == module.name)
                # A model holding a class that only another notebook defines cannot be loaded in
                # a notebook without its own copy of that class (notebooks import nothing from
                # each other), and that copy is then the notebook's own.
                and not (module.is_notebook and item[0].module.is_notebook)
            ]
            top = _top_directory(module.path, self.root)
            nearby = [i for i in candidates if _top_directory(i[0].module.path, self.root) == top]
            has_own = any(
                _top_directory(c.module.path, self.root) == top for c, _ in self.unfindable
            )
            found = nearby if has_own else candidates
        self._relevance[(module.name, bare_fallback)] = found
        return found

    def relevant_to_load(self, load: LoadSite) -> set[str]:
        """The classes (unfindable, stored by name) a model loaded at ``load`` can contain.

        A readable ``custom_objects`` names some of them; the others its program imports may
        be in the model too (a loader that forgot one), and so may a class of the loading
        module itself.
        """
        key = id(load)
        if key in self._load_relevance:
            return self._load_relevance[key]
        if load.passes_custom_objects and load.provided:
            related = self.classes_relevant_to(load.module, bare_fallback=False)
            own = {c.qualname for c, _ in self.stored_by_name if c.module.name == load.module.name}
            relevant = set(load.provided) | own | {c.qualname for c, _ in related}
        elif load.provided is None:
            # An unreadable custom_objects may hold anything its program imports, nothing more.
            related = self.classes_relevant_to(load.module, bare_fallback=False)
            relevant = {cls.qualname for cls, _ in related}
        else:
            related = self.classes_relevant_to(load.module)
            relevant = {cls.qualname for cls, _ in related} - self.defined_after(load)
        if load.compile_false:  # losses, metrics, optimizers live only in the compile config
            relevant = {q for q in relevant if self._kind_name(q) not in names.COMPILE_ONLY_KINDS}
        self._load_relevance[key] = relevant
        return relevant

    def _kind_name(self, qualname: str) -> str | None:
        cls = self.classes.all.get(qualname)
        kind = self.classes.keras_kind(cls) if cls is not None else None
        return kind.kind if kind is not None else None

    def defined_after(self, load: LoadSite) -> set[str]:
        """Classes of the loading module defined below a module-level load.

        When such a load runs they do not exist yet, so the model it loads cannot hold them
        (not even custom_objects could supply them): a tutorial that saves and reloads a plain
        model before it introduces custom layers.
        """
        if not load.module_level:
            return set()
        return {
            f"{load.module.name}.{c.qualname}"
            for c in load.module.facts.classes
            if not c.in_function and "." not in c.qualname and c.span.line > load.line
        }

    def loads_meeting_use(self, use: FunctionUse) -> list[LoadSite]:
        """Loads that can read a model holding the use: any load of the project (a loader need
        not import the code that built the model), except one whose constant path names a file
        that no save holding the use writes (when every such save's path is known).  A
        ``model_from_json`` counts only when a ``to_json`` of the project can write the model."""
        cached = self._meeting.get(use.marker)
        if cached is not None:
            return cached
        writes_config = self._writes_config(use)
        saves, _ = self.saves_of(self.saves.holding_function(use.marker), use.module)
        written = [self.written_by(save) for save in saves]
        known = [path for path in written if path is not None]
        unknown_written = not saves or len(known) < len(written)
        found = []
        for load in self.loads.sites:
            if load.function in _CONFIG_LOADS and not writes_config:
                continue  # model_from_json reads what to_json wrote: none of it holds the use
            path = self.paths.of(load.module, load.path)
            if path is None or unknown_written or any(same_file(path, w) for w in known):
                found.append(load)
        self._meeting[use.marker] = found  # a use's marker decides it: its call, its module
        return found

    def _writes_config(self, use: FunctionUse) -> bool:
        return any(
            save.function in ("to_json", "to_yaml")
            and (
                use.marker in self.saves.contents(save).functions
                or self.saves.contents(save).unknown
            )
            for save in self.saves.sites
        )

    def provided_at_every_load(self, use: FunctionUse, function: StoredFunction) -> bool:
        """Does every load that can meet the use hand the function over (``custom_objects``,
        a custom-object scope, or a dict it cannot read), or, for a loss or metric, skip the
        compile config?  False when no load is seen: users and serving code load too."""
        loads = self.loads_meeting_use(use)
        return bool(loads) and all(
            (use.compile_only and load.compile_false)
            or load.provided is None
            or (function.function is not None and function.function in load.provided)
            for load in loads
        )

    def loads_meeting(self, cls: ProjectClass) -> list[LoadSite]:
        return [load for load in self.loads.sites if cls.qualname in self.relevant_to_load(load)]

    # -- persistence ----------------------------------------------------------------------------
    def persistence(self, cls: ProjectClass) -> Persistence:
        holding = self.saves.holding(cls.qualname)
        whole, state = self.saves_of(holding, cls.module)
        builders = self._call_scopes.get(cls.qualname, set())
        beside = [
            s
            for s in self.saves.sites
            if s.whole and (s.module.name, s.scope) in builders and s not in whole
        ]
        return Persistence(tuple(whole), tuple(state), tuple(beside))

    def saves_of(
        self, holding: list[SaveSite], home: Module
    ) -> tuple[list[SaveSite], list[SaveSite]]:
        """The whole and the state saves of something defined in ``home``, given the saves
        traced to hold it."""
        whole = [s for s in holding if s.whole]
        state = [s for s in holding if not s.whole]
        # A save whose value cannot be traced (a trainer's `model.save(path)`) may hold any
        # model of the programs that can run it: those importing both it and ``home``.
        users = [self.modules.by_name[u] for u in self.imports.importers(home)]
        untraced = [
            s
            for s in self.saves.untraced(whole=True)
            if s not in whole and any(s.module.name in self.import_closure(u) for u in users)
        ]
        if self.is_test_code(home):
            # Tests are a closed world: only the code their programs can run counts.
            runnable = self._runnable_from(users)
            untraced = [s for s in untraced if self._function_of(s) in runnable]
        return whole + untraced, state

    def use_saved_whole(self, use: FunctionUse) -> bool:
        """Can a model holding this Lambda layer or stored function be saved whole?  Always for
        a library's code (its users save); for the project's own programs, when a whole save
        that can hold it is traced, or a save whose value cannot be traced runs in a program
        that can build it.  Never for a sublayer Keras does not store."""
        if self.builds_internal_sublayer(use):
            return False
        if self.is_library(use.module):
            return True
        whole, _ = self.saves_of(self.saves.holding_function(use.marker), use.module)
        # The project's own programs are all in view (a library's users are not): none of
        # those that can build the model saves it whole, traced or untraced.
        return bool(whole)

    def builds_internal_sublayer(self, use: FunctionUse) -> bool:
        """Made in a method of a subclassed Keras layer or model: Keras stores such a class by
        its ``get_config``, which does not serialize the sublayer, and rebuilds it on load.
        Not for a class that wires a Sequential or functional graph, or serializes objects."""
        if use.site.in_class is None:
            return False
        cls = self.classes.get(f"{use.module.name}.{use.site.in_class}")
        if cls is None or self.classes.keras_kind(cls) is None or self._wires_functional(cls):
            return False
        return not any(
            owner.fact.get_config is not None and owner.fact.get_config.serializes
            for owner in [cls, *self.classes.ancestors(cls)]
        )

    @staticmethod
    def _function_of(save: SaveSite) -> str:
        return f"{save.module.name}.{save.scope}" if save.scope else save.module.name

    def _runnable_from(self, modules: list[Module]) -> set[str]:
        """The modules given, and the project functions and methods their code can run
        (cached per set of modules: the classes of one test module share it)."""
        key = frozenset(m.name for m in modules)
        found = self._runnable_cache.get(key)
        if found is None:
            starts = [c for m in modules for c in self.values.module_callees(m)]
            starts += [f"{m.name}.{f}" for m in modules for f in m.facts.functions]
            found = set(key) | self.values.runnable(starts)
            self._runnable_cache[key] = found  # a complete closure: safe to keep
        return found

    # -- custom-objects helpers -----------------------------------------------------------------
    @cached_property
    def helpers(self) -> list[Helper]:
        """Project functions that return a readable dict holding project Keras classes."""
        found = []
        for module in self.modules:
            for function in module.facts.functions.values():
                if not function.returns or (
                    function.in_class is not None and function.name != "get_custom_objects"
                ):
                    continue
                mapping = Mapping()
                for returned in function.returns:
                    mapping |= self.values.mapping(module, returned)
                if mapping.opaque or not any(self.classes.get(v) for v in mapping.values):
                    continue
                found.append(
                    Helper(
                        f"{module.name}.{function.qualname}", module, function.span.line, mapping
                    )
                )
        return found


_MODEL_FILES = (".keras", ".h5", ".hdf5")
_CONFIG_LOADS = frozenset({"model_from_json", "model_from_yaml", "model_from_config"})

# Names that say "a base to derive from" (not BaselineModel, not AbstractionLayer).
_ABSTRACT_NAME = re.compile(r"^_|^(Base|Abstract)(?=[A-Z_]|$)|Base$|Mixin$|Interface$")


def _calls_super_init(call: Call) -> bool:
    func = call.func
    return (
        isinstance(func, Attr)
        and func.attr == "__init__"
        and isinstance(func.value, Call)
        and isinstance(func.value.func, Ref)
        and func.value.func.name == "?super"
    )


def _top_directory(path: Path, root: Path) -> str:
    """The first directory below the root ('' for files directly in it)."""
    parts = relative_parts(path, root)
    if parts is None:
        return str(path.parent)
    return parts[0] if len(parts) > 1 else ""
