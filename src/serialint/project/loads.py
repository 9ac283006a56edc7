"""Load sites: every call that rebuilds a model from a file or a config, and what it hands over."""

from __future__ import annotations

from dataclasses import dataclass, replace

from serialint import names
from serialint.facts.model import Call, CallSite, Const, Param, Starred, Value
from serialint.project.modules import Module, Modules
from serialint.project.values import Values


@dataclass(frozen=True)
class LoadSite:
    module: Module
    site: CallSite
    function: str  # "load_model", "model_from_json", ... or the project wrapper's name
    # custom_objects is passed (a dict, a variable, or hidden in *args / **kwargs).
    passes_custom_objects: bool
    # Absolute names of the classes handed over, through custom_objects and any enclosing
    # custom_object_scope; None when that cannot be read.
    provided: frozenset[str] | None
    in_scope: bool  # inside a custom_object_scope
    compile_false: bool
    module_level: bool  # runs as the module executes, before later definitions exist
    provided_by: str | None  # the project function whose returned dict is passed
    wrapper: str | None = None  # for calls of a project function that forwards to a loader

    @property
    def line(self) -> int:
        return self.site.span.line

    @property
    def path(self) -> Value | None:
        """What the load reads: its first argument (``filepath``)."""
        return self.site.call.argument(0, "filepath")


def _is_none(value: Value | None) -> bool:
    return isinstance(value, Const) and value.value is None


class Loads:
    def __init__(self, modules: Modules, values: Values) -> None:
        self.modules = modules
        self.values = values
        direct: list[LoadSite] = []
        calls: list[tuple[Module, CallSite, str]] = []
        for module in modules:
            for site in module.facts.calls:
                callee = values.qualify(module, site.call.func)
                loader = names.model_loader(callee)
                nested = loader is not None and loader[0] == "deserialize_keras_object"
                if nested and site.in_class is not None:
                    loader = None  # a nested object rebuilt inside a from_config
                if loader is not None:
                    direct.append(self._load(module, site, loader[0], loader[1], None))
                elif callee is not None:
                    calls.append((module, site, callee))
        # Project functions that hand their own parameter to a loader as custom_objects:
        # calling one is a load, with whatever the caller passes (or nothing).
        self.forwarders: dict[str, int] = {}
        for load in direct:
            position = self._forwarded_position(load)
            if position is not None:
                self.forwarders[f"{load.module.name}.{load.site.scope}"] = position
        direct = [self._scoped_by_callers(load) for load in direct]
        self.sites: list[LoadSite] = direct + [
            self._load(module, site, callee.rpartition(".")[2], self.forwarders[callee], callee)
            for module, site, callee in calls
            if callee in self.forwarders
        ]
        self.by_module: dict[str, list[LoadSite]] = {}
        for load in self.sites:
            self.by_module.setdefault(load.module.name, []).append(load)

    def _load(
        self, module: Module, site: CallSite, function: str, position: int, wrapper: str | None
    ) -> LoadSite:
        call = site.call
        custom = call.keyword("custom_objects")
        if custom is None and position >= 0:
            custom = call.argument(position, "custom_objects")
        hidden = call.has_double_star or (
            position >= 0 and call.has_star and custom is None
        )  # load_model(path, *rest) may pass it positionally
        if _is_none(custom):
            custom = None  # custom_objects=None passes nothing
        provided: frozenset[str] | None = frozenset()
        provided_by = None
        if custom is not None:
            mapping = self.values.mapping(module, custom)
            provided = None if mapping.opaque else mapping.values
            if isinstance(custom, Call):  # custom_objects=get_custom_objects() of the project
                provided_by = self.values.qualify(module, custom.func)
        if hidden:
            provided = None
        in_scope, scoped = self._scope_objects(module, site)
        if in_scope:
            provided = None if scoped is None or provided is None else provided | scoped
        compile_arg = call.keyword("compile")
        return LoadSite(
            module=module,
            site=site,
            function=function,
            passes_custom_objects=custom is not None or hidden,
            provided=provided,
            in_scope=in_scope,
            compile_false=isinstance(compile_arg, Const) and compile_arg.value is False,
            module_level=site.scope == "" and site.in_class is None,
            provided_by=provided_by,
            wrapper=wrapper,
        )

    def _scoped_by_callers(self, load: LoadSite) -> LoadSite:
        """A load inside a function that is only ever called within a custom_object_scope
        runs within it (``with custom_object_scope(OBJECTS): model = load(path)``)."""
        if load.passes_custom_objects or load.in_scope or not load.site.scope:
            return load
        callers = self.values.calls_of(f"{load.module.name}.{load.site.scope}")
        if not callers:
            return load
        provided: frozenset[str] | None = frozenset()
        for module, site in callers:
            in_scope, scoped = self._scope_objects(module, site)
            if not in_scope:
                return load
            provided = None if scoped is None or provided is None else provided | scoped
        return replace(load, in_scope=True, provided=provided)

    def _scope_objects(self, module: Module, site: CallSite) -> tuple[bool, frozenset[str] | None]:
        """Whether the call is inside custom_object_scope blocks, and what they hand over
        (None when one cannot be read)."""
        scopes = [
            item
            for index in site.withs
            for item in module.facts.withs[index].items
            if isinstance(item, Call)
            and names.is_custom_object_scope(self.values.qualify(module, item.func))
        ]
        if not scopes:
            return False, None
        found: frozenset[str] = frozenset()
        for scope in scopes:
            for argument in scope.args:
                mapping = self.values.mapping(module, argument)
                if mapping.opaque:
                    return True, None
                found |= mapping.values
        return True, found

    def _forwarded_position(self, load: LoadSite) -> int | None:
        """When the load's custom_objects is the enclosing function's own parameter (or its
        ``**kwargs``/``*args``): the position a caller passes it at (-1: keyword only)."""
        scope = load.site.scope
        function = load.module.facts.functions.get(scope) if scope else None
        if function is None:
            return None
        call = load.site.call
        custom = call.keyword("custom_objects")
        if custom is None:
            loader = names.model_loader(self.values.qualify(load.module, call.func))
            custom = call.argument(loader[1], "custom_objects") if loader else None
        candidates = [custom] if custom is not None else []
        candidates += [k.value for k in call.keywords if k.name is None]
        candidates += [a.value for a in call.args if isinstance(a, Starred)]
        forwarded = [c for c in candidates if isinstance(c, Param) and c.scope == scope]
        if not forwarded:
            return None
        first = forwarded[0]
        params = [p.name for p in function.params if p.kind == "positional"]
        if function.in_class is not None:
            params = params[1:]
        return params.index(first.name) if first.name in params else -1

    def in_module(self, module: Module) -> list[LoadSite]:
        return self.by_module.get(module.name, [])
