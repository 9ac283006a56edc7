"""What the get_config rules (SER102-SER110) share: the judged classes of a file, and wording."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from serialint import config_semantics as cs
from serialint.facts.model import Span
from serialint.project import ClassConfig, Module, Project
from serialint.project.arguments import Evidence
from serialint.rules.base import Rule, RuleContext, Violation
from serialint.rules.messages import place


def has_keras_classes(module: Module) -> bool:
    """Cheap: the file defines a class with a base (a Keras class needs one)."""
    return any(c.bases for c in module.facts.classes)


def get_config_span(config: ClassConfig) -> Span:
    """SER103/SER105/SER110 report at ``def get_config``, or at the class when it inherits it."""
    if config.config_owner is config.cls and config.get_config is not None:
        return config.get_config.span
    return config.cls.fact.name_span


def names_list(names: Sequence[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def evidence_phrase(project: Project, evidence: Evidence) -> str:
    """``a function (the default, model.py:12)``."""
    where = place(project, evidence.module, evidence.line)
    source = {"default": "its default", "annotation": "its annotation", "call": "passed at"}
    return f"{cs.KIND_WORDS.get(evidence.kind, evidence.kind)} ({source[evidence.source]} {where})"


def missing_required(name: str, required: Sequence[str]) -> str:
    """What loading says when ``cls(**config)`` lacks required arguments."""
    return (
        f'loading fails with "TypeError: {name}.__init__() missing {len(required)} required '
        f"positional {plural(len(required), 'argument')}: "
        + ", ".join(f"'{r}'" for r in required)
        + '"'
    )


def base_name(config: ClassConfig) -> str:
    return config.style.base.name


class ConfigRule(Rule):
    """A rule about one class's configuration: it judges every Keras class of the file, and its
    findings are kept only for classes whose config reaches model files.  The gate (SER101's
    evidence) is the expensive question, so it is asked only of classes with a finding."""

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        return has_keras_classes(module)

    def check(self, context: RuleContext) -> Iterator[Violation]:
        project = context.project
        for cls, _ in project.keras_classes(context.module):
            config = project.configs.of(cls)
            if config is None:
                continue
            found = list(self.judge(project, config))
            if found and project.config_of(cls) is not None:
                yield from found

    def judge(self, project: Project, config: ClassConfig) -> Iterator[Violation]:
        raise NotImplementedError
