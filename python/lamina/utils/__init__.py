"""`keras.utils`: the helpers Sequential scripts use."""

from lamina.utils.progbar import Progbar
from lamina.utils.py_dataset import PyDataset, Sequence
from lamina.utils.rng_utils import set_random_seed

__all__ = ["Progbar", "PyDataset", "Sequence", "set_random_seed"]
