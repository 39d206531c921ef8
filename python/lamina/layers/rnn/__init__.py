"""Recurrent layers and the wrappers that run layers over sequences."""

from lamina.layers.rnn.bidirectional import Bidirectional
from lamina.layers.rnn.gru import GRU
from lamina.layers.rnn.lstm import LSTM
from lamina.layers.rnn.simple_rnn import SimpleRNN
from lamina.layers.rnn.time_distributed import TimeDistributed

__all__ = ["Bidirectional", "GRU", "LSTM", "SimpleRNN", "TimeDistributed"]
