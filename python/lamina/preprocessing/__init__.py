"""`keras.preprocessing` (tf.keras 2.x): `sequence.pad_sequences` and
`image.ImageDataGenerator` for numpy arrays."""

from typing import Any

from lamina.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]


def __getattr__(name: str) -> Any:
    from lamina.utils.unsupported import module_getattr

    module_getattr(
        "keras.preprocessing", name, {},
        "lamina reads no files; load the data into numpy arrays and pass them to `fit`.",
    )
