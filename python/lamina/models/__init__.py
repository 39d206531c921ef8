"""`keras.models`."""

from lamina.models.sequential import Sequential

__all__ = ["Sequential"]
