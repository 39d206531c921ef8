"""`keras.preprocessing.sequence` (tf.keras 2.x): `pad_sequences`."""

from typing import Any

from lamina.utils.sequence_utils import pad_sequences
from lamina.utils.unsupported import module_getattr

__all__ = ["pad_sequences"]

_MISSING = {
    "TimeseriesGenerator": "Build the windows with numpy and pass arrays to `fit`.",
    "skipgrams": None,
    "make_sampling_table": None,
}


def __getattr__(name: str) -> Any:
    module_getattr("keras.preprocessing.sequence", name, _MISSING)
