"""The rule registry: every rule class, in catalogue order.  A test keeps it and the catalogue
(``rules/*.toml``) one to one."""

from __future__ import annotations

from serialint.rules.base import Rule
from serialint.rules.classes.ser101_unregistered_custom_object import UnregisteredCustomObject
from serialint.rules.loading.ser401_load_without_custom_objects import LoadWithoutCustomObjects
from serialint.rules.saving.ser301_pickle_model import PickleModel

ALL_RULES: tuple[type[Rule], ...] = (
    UnregisteredCustomObject,
    PickleModel,
    LoadWithoutCustomObjects,
)
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
