"""The rule registry: every rule class, in catalogue order.  A test keeps it and the catalogue
(``rules/*.toml``) one to one."""

from __future__ import annotations

from serialint.rules.base import Rule
from serialint.rules.classes.ser101_unregistered_custom_object import UnregisteredCustomObject
from serialint.rules.classes.ser102_missing_get_config import MissingGetConfig
from serialint.rules.classes.ser103_incomplete_get_config import IncompleteGetConfig
from serialint.rules.classes.ser104_init_missing_kwargs import InitMissingKwargs
from serialint.rules.classes.ser105_nested_object_not_serialized import NestedObjectNotSerialized
from serialint.rules.classes.ser106_duplicate_registration import DuplicateRegistration
from serialint.rules.classes.ser107_model_subclass_config_defaults import (
    ModelSubclassConfigDefaults,
)
from serialint.rules.classes.ser108_mixed_keras_registries import MixedKerasRegistries
from serialint.rules.classes.ser109_unbuilt_state import UnbuiltState
from serialint.rules.classes.ser110_non_json_config_value import NonJsonConfigValue
from serialint.rules.functions.ser201_unregistered_custom_function import (
    UnregisteredCustomFunction,
)
from serialint.rules.functions.ser202_lambda_layer import LambdaLayer
from serialint.rules.loading.ser304_weights_loaded_as_model import WeightsLoadedAsModel
from serialint.rules.loading.ser401_load_without_custom_objects import LoadWithoutCustomObjects
from serialint.rules.loading.ser402_custom_objects_key_mismatch import CustomObjectsKeyMismatch
from serialint.rules.loading.ser403_unsafe_deserialization import UnsafeDeserialization
from serialint.rules.loading.ser404_pickle_load_model import PickleLoadModel
from serialint.rules.loading.ser405_savedmodel_loaded_as_keras import SavedModelLoadedAsKeras
from serialint.rules.loading.ser406_registered_class_not_imported import (
    RegisteredClassNotImported,
)
from serialint.rules.saving.ser301_pickle_model import PickleModel
from serialint.rules.saving.ser302_legacy_h5_format import LegacyH5Format
from serialint.rules.saving.ser303_save_path_without_extension import SavePathWithoutExtension
from serialint.rules.saving.ser305_save_overwrite_prompt import SaveOverwritePrompt
from serialint.rules.saving.ser306_weights_filename import WeightsFilename

ALL_RULES: tuple[type[Rule], ...] = (
    UnregisteredCustomObject,
    MissingGetConfig,
    IncompleteGetConfig,
    InitMissingKwargs,
    NestedObjectNotSerialized,
    DuplicateRegistration,
    ModelSubclassConfigDefaults,
    MixedKerasRegistries,
    UnbuiltState,
    NonJsonConfigValue,
    UnregisteredCustomFunction,
    LambdaLayer,
    PickleModel,
    LegacyH5Format,
    SavePathWithoutExtension,
    WeightsLoadedAsModel,
    SaveOverwritePrompt,
    WeightsFilename,
    LoadWithoutCustomObjects,
    CustomObjectsKeyMismatch,
    UnsafeDeserialization,
    PickleLoadModel,
    SavedModelLoadedAsKeras,
    RegisteredClassNotImported,
)
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
