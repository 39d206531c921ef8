"""`keras.datasets`: Keras's seven small datasets, read from Keras's cache.

Files live where Keras keeps them (`$KERAS_HOME/datasets`, default
`~/.keras/datasets`) under Keras's names and formats, so a cache filled by
Keras is used as is. A missing file is downloaded from Keras's origin with a
progress bar and its published hash is checked; offline, the error names the
URL and the path to place the file at. Set `LAMINA_DATASETS_ORIGIN` to a
base URL to download from a mirror instead (see `lamina.datasets.remote`).

The pickle streams inside CIFAR batches and `imdb.npz`/`reuters.npz` are read
by a restricted unpickler that rebuilds numpy arrays only
(`lamina.datasets.safe_pickle`); a tampered file is refused.
"""

from typing import Any

from lamina.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = [
    "boston_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]


def __getattr__(name: str) -> Any:
    from lamina.utils.unsupported import module_getattr

    module_getattr("keras.datasets", name, {}, f"lamina has: {', '.join(__all__)}.")
