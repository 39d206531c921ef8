"""`keras.utils`: the helpers Sequential scripts use."""

from lamina.utils.progbar import Progbar
from lamina.utils.rng_utils import set_random_seed

__all__ = ["Progbar", "set_random_seed"]
