"""The rule implementations, one small module each; detection only, documentation is in rules/*.toml."""

from __future__ import annotations

from serialint.rules.base import Rule
from serialint.rules.ser101_unregistered_custom_object import UnregisteredCustomObject
from serialint.rules.ser301_pickle_model import PickleModel
from serialint.rules.ser401_load_without_custom_objects import LoadWithoutCustomObjects

ALL_RULES: tuple[type[Rule], ...] = (
    UnregisteredCustomObject,
    PickleModel,
    LoadWithoutCustomObjects,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule"]
