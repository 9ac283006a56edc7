"""The editor's settings for the server: ``initializationOptions`` and
``workspace/didChangeConfiguration`` (or the ``serialint`` section of ``workspace/configuration``).

``{"unsafeFixes": true}`` (also accepted nested as ``{"serialint": {"unsafeFixes": true}}``)
makes ``source.fixAll.serialint`` apply unsafe fixes too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from serialint.fixes import FixMode

SECTION = "serialint"


@dataclass(frozen=True)
class Settings:
    unsafe_fixes: bool = False

    @property
    def fix_mode(self) -> FixMode:
        return FixMode.UNSAFE if self.unsafe_fixes else FixMode.SAFE

    def updated(self, raw: Any) -> Settings:
        """These settings with what ``raw`` (any JSON value a client sent) sets; anything not
        understood is left as it was."""
        if not isinstance(raw, Mapping):
            return self
        nested = raw.get(SECTION)
        if isinstance(nested, Mapping):
            raw = nested
        unsafe = raw.get("unsafeFixes")
        if isinstance(unsafe, bool):
            return replace(self, unsafe_fixes=unsafe)
        return self
