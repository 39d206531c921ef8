"""`keras.datasets.imdb`: 25,000 + 25,000 movie reviews as word-id lists,
labelled positive (1) or negative (0)."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina.datasets import text_sequences as ts
from lamina.datasets.remote import fetch
from lamina.datasets.safe_pickle import load_npz

Split = Tuple[np.ndarray, np.ndarray]


def load_data(
    path: str = "imdb.npz",
    num_words: Optional[int] = None,
    skip_top: int = 0,
    maxlen: Optional[int] = None,
    seed: int = 113,
    start_char: Optional[int] = 1,
    oov_char: Optional[int] = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> Tuple[Split, Split]:
    """Loads IMDB from the Keras cache (object arrays read with a restricted
    unpickler), shuffled with `seed`.

    Args:
        path: the file name in the cache (relative to `~/.keras/datasets`).
        num_words: keep the `num_words` most frequent words (ids below it);
            others become `oov_char`. All words when None.
        skip_top: also treat the `skip_top` most frequent words as OOV.
        maxlen: drop sequences of `maxlen` words or more.
        seed: the shuffling seed (numpy `RandomState`).
        start_char: the id marking a sequence's start (None: no marker).
        oov_char: the id of out-of-vocabulary words (None: drop them).
        index_from: offset added to every word id.
        **kwargs: tf.keras 2.x's `nb_words` (alias of `num_words`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-d object arrays of int lists
        (25000 each with the defaults) and int64 label vectors.

    Raises:
        ValueError: if `maxlen` filters out every train or test sequence.
        TypeError: for an unknown keyword argument.
    """
    num_words = ts.pop_legacy_num_words(num_words, kwargs)
    f = load_npz(fetch("imdb.npz", fname=path))
    rng = np.random.RandomState(seed)
    x_train, y_train = ts.shuffled(rng, f["x_train"], f["y_train"])
    x_test, y_test = ts.shuffled(rng, f["x_test"], f["y_test"])
    train = ts.offset_words(list(x_train), start_char, index_from)
    test = ts.offset_words(list(x_test), start_char, index_from)
    labels_train: Any = y_train
    labels_test: Any = y_test
    if maxlen:
        train, labels_train = ts.drop_long(maxlen, train, labels_train)
        test, labels_test = ts.drop_long(maxlen, test, labels_test)
        if not train or not test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                "was kept. Increase maxlen."
            )
    words = ts.limit_vocabulary(train + test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    cut = len(train)
    return (
        (ts.as_object_array(words[:cut]), labels[:cut]),
        (ts.as_object_array(words[cut:]), labels[cut:]),
    )


def get_word_index(path: str = "imdb_word_index.json") -> Dict[str, int]:
    """The word -> id dictionary (ids before `index_from` is added).

    Args:
        path: the file name in the cache.

    Returns:
        A dict mapping words to integer ids.
    """
    with open(fetch("imdb_word_index.json", fname=path)) as f:
        return dict(json.load(f))
