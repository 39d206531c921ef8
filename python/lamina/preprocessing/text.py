"""`keras.preprocessing.text` (tf.keras 2.x): not provided by lamina.

Importing this module works so that `from keras.preprocessing.text import
Tokenizer` fails with a message saying what is missing and what to do.
"""

from typing import Any

from lamina.utils.unsupported import module_getattr

__all__: list = []


def __getattr__(name: str) -> Any:
    module_getattr(
        "keras.preprocessing.text",
        name,
        {},
        "Tokenize with your own code (or another library) into integer sequences and pad "
        "them with `keras.utils.pad_sequences`.",
    )
