"""What every rule shares: the context it runs in, and the violation it reports.

A rule is a small class (fixit's shape): a ``code`` whose catalogue entry supplies its name,
severity and documentation, a cheap :meth:`Rule.applies_to` answered from the facts, and
:meth:`Rule.check`, which makes the rule's own decision from the file's facts and the project's
answers and yields :class:`Violation` objects.  ``VALID``/``INVALID`` snippets are run as tests,
beside the catalogue's own examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from serialint.catalogue import RuleDoc
from serialint.config import Config
from serialint.facts.model import Span
from serialint.findings import Fix
from serialint.project import Module, Project


@dataclass(frozen=True)
class Violation:
    span: Span
    message: str
    fix_hint: str = ""
    fix: Fix | None = None


@dataclass(frozen=True)
class RuleContext:
    module: Module
    project: Project
    config: Config
    doc: RuleDoc


class Rule:
    code: ClassVar[str]
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def applies_to(cls, module: Module, project: Project) -> bool:
        """Can this file hold a finding of this rule?  Must be cheap: asked of every file."""
        raise NotImplementedError

    def check(self, context: RuleContext) -> Iterator[Violation]:
        raise NotImplementedError
