"""Recurrent layers and the wrappers that run layers over sequences."""

from lamina.layers.rnn.bidirectional import Bidirectional
from lamina.layers.rnn.time_distributed import TimeDistributed

__all__ = ["Bidirectional", "TimeDistributed"]
