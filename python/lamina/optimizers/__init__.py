"""`keras.optimizers`: optimizer classes, `get`, `serialize`, `deserialize`."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lion import Lion
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD

ALL_OBJECTS_DICT = {
    cls.__name__.lower(): cls
    for cls in (Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Adafactor,
                Nadam, Ftrl, Lion)
}


def serialize(optimizer: Optimizer) -> Dict[str, Any]:
    """Keras's serialized form: module, class_name, config, registered_name."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config: Dict[str, Any],
                custom_objects: Optional[Dict[str, Any]] = None) -> Optimizer:
    """Builds an optimizer from `serialize`'s output (class names in any case).

    Raises:
        ValueError: for an unknown class name.
    """
    name = str(config["class_name"])
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS_DICT.get(name.lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {name}")
    return cls.from_config(dict(config.get("config") or {}), custom_objects) \
        if issubclass(cls, Optimizer) else cls(**(config.get("config") or {}))


def get(identifier: Any) -> Optional[Optimizer]:
    """Resolves an optimizer name, config dict, class or instance.

    Raises:
        ValueError: for an unknown name or object.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        obj: Any = deserialize(identifier)
    elif isinstance(identifier, str):
        cls: Any = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None or cls is Optimizer:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        obj = cls()
    elif isinstance(identifier, type) and issubclass(identifier, Optimizer):
        factory: Any = identifier
        obj = factory()
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


__all__ = [
    "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion",
    "Nadam", "Optimizer", "RMSprop", "deserialize", "get", "schedules", "serialize",
]
