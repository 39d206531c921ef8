"""Recurrent layers and the wrappers that run layers over sequences."""

from lamina.layers.rnn.gru import GRU
from lamina.layers.rnn.lstm import LSTM
from lamina.layers.rnn.simple_rnn import SimpleRNN

__all__ = ["GRU", "LSTM", "SimpleRNN"]
