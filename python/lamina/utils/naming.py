"""Keras's automatic names: the first Dense is `dense`, then `dense_1`, ..."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import DefaultDict

_uids: DefaultDict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    """Keras's rule: `Conv2DTranspose` -> `conv2d_transpose`, `RMSprop` -> `rm_sprop`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base: str) -> str:
    """Returns `base` the first time, then `base_1`, `base_2`, ..."""
    count = _uids[base]
    _uids[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def auto_name(class_name: str) -> str:
    return uniquify(to_snake_case(class_name))


def reset_uids() -> None:
    """Forgets every name handed out (`keras.backend.clear_session()`)."""
    _uids.clear()
