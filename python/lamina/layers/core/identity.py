"""Identity: returns its input unchanged."""

from __future__ import annotations

from typing import Any

from lamina import _core
from lamina.layers.layer import Layer


class Identity(Layer):
    """Identity layer: a placeholder that passes its input through.

    Input shape:
        Arbitrary. Output shape: same as the input.
    """

    supports_masking = True

    _built_at_init = True  # as in Keras: no build_config in its config

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.identity(self.name))
