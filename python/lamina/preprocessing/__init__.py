"""`keras.preprocessing` (tf.keras 2.x): `sequence.pad_sequences` and
`image.ImageDataGenerator` for numpy arrays."""

from lamina.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
