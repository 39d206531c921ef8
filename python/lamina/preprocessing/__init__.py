"""`keras.preprocessing` (tf.keras 2.x): `sequence.pad_sequences` and
`image.ImageDataGenerator` for numpy arrays."""

from lamina.preprocessing import sequence, text

__all__ = ["sequence", "text"]
