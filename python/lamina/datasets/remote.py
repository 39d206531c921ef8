"""Where each Keras dataset file comes from, and fetching it into the cache.

`KERAS_FILES` lists Keras's origins and published hashes (Keras publishes
none for Fashion-MNIST). Set the environment variable
`LAMINA_DATASETS_ORIGIN` to a base URL (a mirror, or a local server in
tests) to download every dataset file from `<base>/<file name>` instead; the
hash is still checked.
"""

from __future__ import annotations

import os
from typing import Dict, NamedTuple, Optional

from lamina.utils.file_utils import get_file

ORIGIN_ENV = "LAMINA_DATASETS_ORIGIN"

_GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_TORONTO = "https://www.cs.toronto.edu/~kriz/"


class RemoteFile(NamedTuple):
    origin: str
    file_hash: Optional[str]


KERAS_FILES: Dict[str, RemoteFile] = {
    "mnist.npz": RemoteFile(
        _GCS + "mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    ),
    "imdb.npz": RemoteFile(
        _GCS + "imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
    ),
    "imdb_word_index.json": RemoteFile(
        _GCS + "imdb_word_index.json", "bfafd718b763782e994055a2d397834f"
    ),
    "reuters.npz": RemoteFile(
        _GCS + "reuters.npz", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
    ),
    "reuters_word_index.json": RemoteFile(
        _GCS + "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921"
    ),
    "boston_housing.npz": RemoteFile(
        _GCS + "boston_housing.npz",
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    ),
    "cifar-10-python.tar.gz": RemoteFile(
        _TORONTO + "cifar-10-python.tar.gz",
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    ),
    "cifar-100-python.tar.gz": RemoteFile(
        _TORONTO + "cifar-100-python.tar.gz",
        "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
    ),
    "train-labels-idx1-ubyte.gz": RemoteFile(_GCS + "train-labels-idx1-ubyte.gz", None),
    "train-images-idx3-ubyte.gz": RemoteFile(_GCS + "train-images-idx3-ubyte.gz", None),
    "t10k-labels-idx1-ubyte.gz": RemoteFile(_GCS + "t10k-labels-idx1-ubyte.gz", None),
    "t10k-images-idx3-ubyte.gz": RemoteFile(_GCS + "t10k-images-idx3-ubyte.gz", None),
}


def origin_of(key: str) -> str:
    """Keras's URL for `key`, or `<$LAMINA_DATASETS_ORIGIN>/<key>` when set."""
    base = os.environ.get(ORIGIN_ENV)
    if base:
        return base.rstrip("/") + "/" + key
    return KERAS_FILES[key].origin


def fetch(key: str, fname: Optional[str] = None, **kwargs: object) -> str:
    """`get_file` for one of Keras's dataset files.

    Args:
        key: the file's name in `KERAS_FILES`.
        fname: the name in the cache (the loaders' `path` argument).
        **kwargs: passed to `get_file` (`cache_subdir`, `extract`).

    Returns:
        The cached path (or extraction directory).
    """
    return get_file(
        fname=fname if fname is not None else key,
        origin=origin_of(key),
        file_hash=KERAS_FILES[key].file_hash,
        **kwargs,  # type: ignore[arg-type]
    )
