"""`NumpyArrayIterator`: the batches `ImageDataGenerator.flow(x, y)` returns.

A `lamina.utils.PyDataset` (usable by `fit` and its worker processes) that
is also Keras's endless iterator. Each batch is augmented with one draw from
a generator keyed by (seed, epoch, batch index), so a batch is the same
whichever worker loads it.
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import numpy as np

from lamina.utils import rng_utils
from lamina.utils.py_dataset import PyDataset

if TYPE_CHECKING:
    from lamina.preprocessing.image import ImageDataGenerator


class NumpyArrayIterator(PyDataset):
    """Augmented batches of a numpy array (Keras's `NumpyArrayIterator`).

    A `PyDataset`: `len(it)` is `ceil(n / batch_size)`, `it[i]` is batch i of
    the current epoch, `on_epoch_end()` reshuffles. Also an endless iterator:
    `next(it)` walks the batches and starts a new epoch after the last one.
    Picklable (the lock is recreated), so worker processes can load batches.

    Args:
        x: images, or `(images, extra arrays)`.
        y: labels or None.
        image_data_generator: the `ImageDataGenerator` that transforms.
        batch_size, shuffle, sample_weight, seed, ignore_class_split, subset:
            see `ImageDataGenerator.flow`.
        **kwargs: `PyDataset` worker settings (`workers`, `use_multiprocessing`,
            `max_queue_size`).
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        image_data_generator: ImageDataGenerator,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight: Any = None,
        seed: Optional[int] = None,
        ignore_class_split: bool = False,
        subset: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
            batch_size < 1
        ):
            raise ValueError(f"`batch_size` must be a positive integer. Received: {batch_size!r}")
        extras: List[np.ndarray] = []
        if isinstance(x, (tuple, list)):
            extras = ([np.asarray(a) for a in x[1]] if isinstance(x[1], list)
                      else [np.asarray(x[1])])
            x = x[0]
            for extra in extras:
                if len(x) != len(extra):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. Found a pair "
                        f"with: len(x[0]) = {len(x)}, len(x[?]) = {len(extra)}"
                    )
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if subset is not None:
            x, y, sample_weight, extras = self._split(
                subset, image_data_generator._validation_split, x, y, sample_weight, extras,
                ignore_class_split,
            )
        self.dtype = image_data_generator.dtype
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(
                "Input data in `NumpyArrayIterator` should have rank 4. You passed an array "
                f"with shape {self.x.shape}"
            )
        if self.x.shape[3] not in (1, 3, 4):
            warnings.warn(
                'NumpyArrayIterator is set to use the data format convention "channels_last" '
                "(channels on axis 3), i.e. expected either 1, 3, or 4 channels on axis 3. "
                f"However, it was passed an array with shape {self.x.shape} "
                f"({self.x.shape[3]} channels).", stacklevel=3,
            )
        self.x_misc = extras
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = image_data_generator.data_format
        self.n = len(self.x)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = seed
        # Without a seed, one is drawn from lamina's generator, so
        # `keras.utils.set_random_seed` makes the flow reproducible.
        self._base_seed = int(seed) if seed is not None else rng_utils.make_seed()
        self.epoch = 0
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = self._order()
        self.lock = threading.Lock()

    @staticmethod
    def _split(
        subset: str, split: float, x: Any, y: Any, sample_weight: Any, extras: List[np.ndarray],
        ignore_class_split: bool,
    ) -> Tuple[Any, Any, Any, List[np.ndarray]]:
        """Keras's `subset`: validation is the first `split` fraction."""
        if subset not in ("training", "validation"):
            raise ValueError(f'Invalid subset name: {subset}; expected "training" or "validation".')
        cut = int(len(x) * split)
        if y is not None and not ignore_class_split and not np.array_equal(
            np.unique(np.asarray(y)[:cut]), np.unique(np.asarray(y)[cut:])
        ):
            raise ValueError(
                "Training and validation subsets have different number of classes after the "
                "split. If your numpy arrays are sorted by the label, you might want to "
                "shuffle them."
            )
        part = slice(None, cut) if subset == "validation" else slice(cut, None)
        return (
            x[part],
            None if y is None else y[part],
            None if sample_weight is None else np.asarray(sample_weight)[part],
            [e[part] for e in extras],
        )

    def _order(self) -> np.ndarray:
        """This epoch's sample order."""
        if not self.shuffle:
            return np.arange(self.n)
        return np.random.default_rng([self._base_seed, self.epoch]).permutation(self.n)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx: int) -> Any:
        """Batch `idx` of the current epoch (deterministic for a given seed and epoch).

        Raises:
            ValueError: if `idx` is out of range.
        """
        length = len(self)
        if not -length <= idx < length:
            raise ValueError(
                f"Asked to retrieve element {idx}, but the Sequence has length {length}"
            )
        idx = int(idx) % length
        self.total_batches_seen += 1
        rows = self.index_array[self.batch_size * idx: self.batch_size * (idx + 1)]
        return self._batch(rows, self.epoch, idx)

    def _batch(self, rows: np.ndarray, epoch: int, idx: int) -> Any:
        rng = np.random.default_rng([self._base_seed, epoch, idx, 1])
        generator = self.image_data_generator
        batch_x = generator.random_transform_batch(self.x[rows], rng)
        batch_x = generator.standardize_batch(batch_x)
        extras = [e[rows] for e in self.x_misc]
        inputs: Any = batch_x if not extras else [batch_x] + extras
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[rows]
        return inputs, self.y[rows], self.sample_weight[rows]

    def on_epoch_end(self) -> None:
        """Starts the next epoch: a new order when shuffling, new augmentations."""
        self.epoch += 1
        self.index_array = self._order()

    def reset(self) -> None:
        """Restarts `next()` at the first batch of the current epoch."""
        self.batch_index = 0

    def __iter__(self) -> NumpyArrayIterator:  # type: ignore[override]
        # Endless, as in Keras: `for x, y in datagen.flow(...)` never stops.
        return self

    def __next__(self) -> Any:
        with self.lock:
            if self.batch_index >= len(self):
                self.on_epoch_end()
                self.batch_index = 0
            idx = self.batch_index
            self.batch_index += 1
            self.total_batches_seen += 1
            epoch = self.epoch
            rows = self.index_array[self.batch_size * idx: self.batch_size * (idx + 1)]
        # Transform outside the lock so threads can work in parallel.
        return self._batch(rows, epoch, idx)

    def next(self) -> Any:
        """tf.keras 2.x spelling of `next(iterator)`."""
        return self.__next__()

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        del state["lock"]  # locks cannot be pickled; each process makes its own
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()
