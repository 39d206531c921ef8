"""`keras.preprocessing.image.ImageDataGenerator` for numpy arrays.

Augments batches of channels-last images on the fly: rotation, shifts,
shear, zoom (one vectorised affine resampling per batch, see
`affine_resampling`), flips, channel and brightness shifts, then rescaling,
per-sample and per-feature standardisation and ZCA whitening, in Keras's
order. `flow(x, y)` returns a `NumpyArrayIterator`, a `lamina.utils.PyDataset`
(so `fit`, `evaluate` and worker processes can use it) that is also an
endless iterator (`next(it)`), as in Keras.

Deliberate differences from Keras (see docs/compatibility.md):
- `height_shift_range` shifts rows and `width_shift_range` columns. Keras 3
  (and late tf.keras 2.x) feed the height shift into the x-direction shift,
  so `height_shift_range` moves images sideways.
- For non-square images the rotation/zoom/shear centre is the image centre;
  Keras swaps height and width in it.
- `fill_mode="wrap"` is periodic with the image size (Keras, through scipy's
  legacy "wrap", repeats with period size - 1).
- Randomness: batch i of epoch e is drawn from a generator keyed by (seed,
  e, i), so a batch is the same whichever worker loads it and in whatever
  order; without a seed, the seed comes from lamina's generator
  (`keras.utils.set_random_seed`). Keras reseeds numpy's global generator.
- `interpolation_order` 0 or 1 only; `save_to_dir`, `flow_from_directory`
  and `flow_from_dataframe` are not supported (lamina reads no image files).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from lamina.preprocessing.affine_resampling import affine_resample, keras_affine_matrices
from lamina.preprocessing.numpy_array_iterator import NumpyArrayIterator
from lamina.utils import rng_utils
from lamina.utils.unsupported import module_getattr, not_supported

Range = Union[float, int, Sequence[float]]

_NOT_FITTED = (
    "This ImageDataGenerator specifies `{what}`, but it hasn't been fit on any training "
    "data. Fit it first by calling `.fit(numpy_data)`."
)


def _draw_shift(rng: np.random.Generator, spec: Range, size: int, count: int) -> np.ndarray:
    """Keras's shift rule: a float < 1 is a fraction of `size`, drawn uniformly;
    a float >= 1 is pixels, drawn uniformly; an int N gives whole pixels in
    (-N, N); a list gives one of its values with a random sign."""
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        values = rng.integers(0, int(spec), count) * rng.choice([-1, 1], count)
        shifts = values.astype(np.float64)
    elif isinstance(spec, (list, tuple, np.ndarray)):
        shifts = rng.choice(np.asarray(spec, dtype=np.float64), count) * rng.choice([-1, 1], count)
    else:
        limit = float(spec)  # type: ignore[arg-type]
        shifts = rng.uniform(-limit, limit, count)
    if np.max(spec) < 1:
        shifts = shifts * size
    return shifts


class ImageDataGenerator:
    """Real-time augmentation and standardisation of image batches.

    Args:
        featurewise_center: subtract the per-channel mean of the data given
            to `fit`.
        samplewise_center: subtract each image's mean.
        featurewise_std_normalization: divide by the per-channel std from `fit`.
        samplewise_std_normalization: divide each image by its std.
        zca_whitening: apply ZCA whitening computed by `fit`.
        zca_epsilon: epsilon of the whitening.
        rotation_range: degrees; rotations drawn from (-range, range).
        width_shift_range: horizontal shift (fraction of width if < 1,
            pixels otherwise; an int or a list as in Keras).
        height_shift_range: vertical shift, same rules.
        brightness_range: `(low, high)` brightness factors (values clipped to
            0..255, as Keras's PIL path does).
        shear_range: shear angle in degrees, drawn from (-range, range).
        zoom_range: a float z (zoom in [1-z, 1+z]) or `[low, high]`.
        channel_shift_range: add a random offset to all channels, clipped to
            the image's range.
        fill_mode: "nearest", "constant", "reflect" or "wrap".
        cval: the fill value for "constant".
        horizontal_flip: flip half of the images left-right.
        vertical_flip: flip half of the images upside down.
        rescale: factor multiplied in (after augmentation), e.g. 1/255.
        preprocessing_function: called on each image (rank 3) after
            augmentation and before the other standardisation.
        data_format: "channels_last" (None means the same).
        validation_split: fraction of data reserved for `subset="validation"`.
        interpolation_order: 1 (bilinear, Keras's default) or 0 (nearest).
        dtype: the output dtype (float32 by default).

    Raises:
        ValueError: for a `data_format` other than channels_last, a
            `validation_split` outside (0, 1), a malformed `zoom_range` or
            `brightness_range`, an unknown `fill_mode` or an
            `interpolation_order` other than 0 or 1.
    """

    def __init__(
        self,
        featurewise_center: bool = False,
        samplewise_center: bool = False,
        featurewise_std_normalization: bool = False,
        samplewise_std_normalization: bool = False,
        zca_whitening: bool = False,
        zca_epsilon: float = 1e-6,
        rotation_range: float = 0,
        width_shift_range: Range = 0.0,
        height_shift_range: Range = 0.0,
        brightness_range: Optional[Sequence[float]] = None,
        shear_range: float = 0.0,
        zoom_range: Range = 0.0,
        channel_shift_range: float = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: Optional[float] = None,
        preprocessing_function: Optional[Callable[[np.ndarray], np.ndarray]] = None,
        data_format: Optional[str] = None,
        validation_split: float = 0.0,
        interpolation_order: int = 1,
        dtype: Any = None,
    ) -> None:
        if data_format is None:
            data_format = "channels_last"
        if data_format == "channels_first":
            raise ValueError(
                "lamina's ImageDataGenerator supports data_format='channels_last' only (lamina's "
                "image layout). Transpose the images to (batch, rows, cols, channels)."
            )
        if data_format != "channels_last":
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and column) or '
                '`"channels_first"` (channel before row and column). '
                f"Received: {data_format}"
            )
        if fill_mode not in ("nearest", "constant", "reflect", "wrap"):
            raise ValueError(
                "fill_mode must be one of 'nearest', 'constant', 'reflect', 'wrap'. "
                f"Received: fill_mode={fill_mode!r}"
            )
        if interpolation_order not in (0, 1):
            raise ValueError(
                "lamina interpolates with order 0 or 1 only. "
                f"Received: interpolation_order={interpolation_order}"
            )
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "`validation_split` must be strictly between 0 and 1. "
                f" Received: {validation_split}"
            )
        if isinstance(zoom_range, (float, int)):
            zoom = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            zoom = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(
                "`zoom_range` should be a float or a tuple or list of two floats. "
                f"Received: {zoom_range}"
            )
        if brightness_range is not None and (
            not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2
        ):
            raise ValueError(
                "`brightness_range should be tuple or list of two floats. "
                f"Received: {brightness_range}"
            )
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = zoom
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.interpolation_order = interpolation_order
        self.dtype = np.dtype(dtype if dtype is not None else "float32")
        self._validation_split = validation_split
        self.mean: Optional[np.ndarray] = None
        self.std: Optional[np.ndarray] = None
        self.zca_whitening_matrix: Optional[np.ndarray] = None
        self._warn_overrides()

    def _warn_overrides(self) -> None:
        """Keras's implied settings, with its warnings."""
        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.", stacklevel=3)
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of`featurewise_std_normalization`.",
                              stacklevel=3)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=3)
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=3)

    # -- flows ---------------------------------------------------------------------

    def flow(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight: Any = None,
        seed: Optional[int] = None,
        save_to_dir: Optional[str] = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: Optional[str] = None,
    ) -> NumpyArrayIterator:
        """Batches of augmented `x` (with `y` and `sample_weight` when given).

        Args:
            x: images `(n, rows, cols, channels)`, or a tuple
                `(images, extra array or list of arrays)` passed through.
            y: labels (or None).
            batch_size: images per batch; the last batch may be smaller.
            shuffle: reshuffle the order every epoch.
            sample_weight: per-image weights (or None).
            seed: seeds shuffling and augmentation.
            save_to_dir, save_prefix, save_format: not supported (None only).
            ignore_class_split: allow `subset` splits whose classes differ.
            subset: "training" or "validation" with `validation_split`.

        Returns:
            A `NumpyArrayIterator` yielding `x`, `(x, y)` or `(x, y, sample_weight)`.

        Raises:
            ValueError: for mismatched lengths, images not of rank 4, an
                unknown `subset`, or a class-changing split.
        """
        if save_to_dir is not None:
            raise not_supported("`ImageDataGenerator.flow(save_to_dir=...)`",
                                "lamina writes no image files.")
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, ignore_class_split=ignore_class_split, subset=subset,
        )

    def flow_from_directory(self, *args: Any, **kwargs: Any) -> Any:
        """Not supported: lamina reads no image files."""
        raise not_supported("`ImageDataGenerator.flow_from_directory`",
                            "Load the images into a numpy array and use `flow(x, y)`.")

    def flow_from_dataframe(self, *args: Any, **kwargs: Any) -> Any:
        """Not supported: lamina reads no image files."""
        raise not_supported("`ImageDataGenerator.flow_from_dataframe`",
                            "Load the images into a numpy array and use `flow(x, y)`.")

    # -- random transforms -----------------------------------------------------------

    def _draw_transforms(
        self, rng: np.random.Generator, count: int, rows: int, cols: int
    ) -> Dict[str, np.ndarray]:
        """Parameters for `count` images, one array per parameter."""
        def uniform(limit: float) -> np.ndarray:
            return rng.uniform(-limit, limit, count) if limit else np.zeros(count)

        zoom_lo, zoom_hi = self.zoom_range
        if zoom_lo == 1 and zoom_hi == 1:
            zx = zy = np.ones(count)
        else:
            zx, zy = rng.uniform(zoom_lo, zoom_hi, (2, count))
        params = {
            "theta": uniform(self.rotation_range),
            "tx": _draw_shift(rng, self.width_shift_range, cols, count)
            if np.any(self.width_shift_range) else np.zeros(count),
            "ty": _draw_shift(rng, self.height_shift_range, rows, count)
            if np.any(self.height_shift_range) else np.zeros(count),
            "shear": uniform(self.shear_range),
            "zx": zx,
            "zy": zy,
            "flip_horizontal": (rng.random(count) < 0.5) & bool(self.horizontal_flip),
            "flip_vertical": (rng.random(count) < 0.5) & bool(self.vertical_flip),
        }
        if self.channel_shift_range:
            params["channel_shift_intensity"] = uniform(self.channel_shift_range)
        if self.brightness_range is not None:
            low, high = self.brightness_range
            params["brightness"] = rng.uniform(low, high, count)
        return params

    def _apply_batch(self, x: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        """Applies per-image parameters (arrays of length `len(x)`) to a batch."""
        count, rows, cols = x.shape[:3]

        def get(name: str, default: float) -> np.ndarray:
            value = params.get(name)
            return np.full(count, default, dtype=np.float64) if value is None else (
                np.broadcast_to(np.asarray(value, dtype=np.float64), (count,))
            )

        theta, tx, ty = get("theta", 0), get("tx", 0), get("ty", 0)
        shear, zx, zy = get("shear", 0), get("zx", 1), get("zy", 1)
        if np.any(theta) or np.any(tx) or np.any(ty) or np.any(shear) or np.any(zx != 1) or (
            np.any(zy != 1)
        ):
            matrices = keras_affine_matrices(theta, tx, ty, shear, zx, zy, rows, cols)
            x = affine_resample(x, matrices, self.fill_mode, self.cval, self.interpolation_order)
        intensity = params.get("channel_shift_intensity")
        if intensity is not None:
            shift = np.asarray(intensity, dtype=x.dtype).reshape(-1, 1, 1, 1)
            low = x.min(axis=(1, 2, 3), keepdims=True)
            high = x.max(axis=(1, 2, 3), keepdims=True)
            x = np.clip(x + shift, low, high)
        flip_h = np.broadcast_to(np.asarray(params.get("flip_horizontal", False), bool), (count,))
        if flip_h.any():
            x[flip_h] = x[flip_h][:, :, ::-1]
        flip_v = np.broadcast_to(np.asarray(params.get("flip_vertical", False), bool), (count,))
        if flip_v.any():
            x[flip_v] = x[flip_v][:, ::-1]
        brightness = params.get("brightness")
        if brightness is not None:
            # Keras goes through an 8-bit PIL image: truncate, scale, round, clip.
            factor = np.asarray(brightness, dtype=np.float64).reshape(-1, 1, 1, 1)
            x = np.clip(np.round(np.clip(np.floor(x), 0, 255) * factor), 0, 255).astype(x.dtype)
        return x

    def get_random_transform(self, img_shape: Tuple[int, ...], seed: Optional[int] = None
                             ) -> Dict[str, Any]:
        """Random parameters for one image, as Keras's dict.

        Args:
            img_shape: `(rows, cols, channels)`.
            seed: seeds the draw (a fresh draw from lamina's generator if None).

        Returns:
            A dict with "theta", "tx" (x/column shift, from
            `width_shift_range`), "ty" (y/row shift, from
            `height_shift_range`), "shear", "zx", "zy", "flip_horizontal",
            "flip_vertical", "channel_shift_intensity", "brightness".
        """
        rng = np.random.default_rng(seed if seed is not None else rng_utils.make_seed())
        drawn = self._draw_transforms(rng, 1, img_shape[0], img_shape[1])
        params: Dict[str, Any] = {"channel_shift_intensity": None, "brightness": None}
        for name, value in drawn.items():
            params[name] = value[0].item()
        return params

    def apply_transform(self, x: np.ndarray, transform_parameters: Dict[str, Any]) -> np.ndarray:
        """Applies a parameter dict (see `get_random_transform`) to one image.

        Args:
            x: one image `(rows, cols, channels)`.
            transform_parameters: the parameters; missing keys do nothing.

        Returns:
            The transformed image.
        """
        batch = np.asarray(x, dtype=self.dtype)[None].copy()
        return self._apply_batch(batch, transform_parameters)[0]

    def random_transform(self, x: np.ndarray, seed: Optional[int] = None) -> np.ndarray:
        """One image with random augmentation applied."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def random_transform_batch(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A batch `(n, rows, cols, channels)` with independent random augmentations."""
        params = self._draw_transforms(rng, x.shape[0], x.shape[1], x.shape[2])
        return self._apply_batch(np.array(x, dtype=self.dtype), params)

    # -- standardisation -----------------------------------------------------------

    def standardize_batch(self, x: np.ndarray) -> np.ndarray:
        """`standardize` applied to each image of a batch (in place when possible)."""
        if self.preprocessing_function:
            x = np.stack([np.asarray(self.preprocessing_function(img), dtype=self.dtype)
                          for img in x]) if len(x) else x
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, axis=(1, 2, 3), keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, axis=(1, 2, 3), keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn(_NOT_FITTED.format(what="featurewise_center"), stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn(_NOT_FITTED.format(what="featurewise_std_normalization"),
                              stacklevel=2)
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(len(x), -1) @ self.zca_whitening_matrix
                x = flat.reshape(x.shape).astype(self.dtype, copy=False)
            else:
                warnings.warn(_NOT_FITTED.format(what="zca_whitening"), stacklevel=2)
        return x

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Preprocessing function, rescale, sample- and feature-wise
        standardisation and whitening of one image `(rows, cols, channels)`.

        Args:
            x: one image (modified in place when it is a float array, as in Keras).

        Returns:
            The standardised image.
        """
        out = self.standardize_batch(np.asarray(x, dtype=self.dtype)[None].copy())[0]
        if isinstance(x, np.ndarray) and x.dtype == out.dtype and x.shape == out.shape:
            x[...] = out
            return x
        return out

    def fit(self, x: Any, augment: bool = False, rounds: int = 1, seed: Optional[int] = None
            ) -> None:
        """Computes the statistics for featurewise standardisation and ZCA.

        Args:
            x: images `(n, rows, cols, channels)`.
            augment: also fit on `rounds` randomly augmented copies.
            rounds: the number of augmented copies when `augment`.
            seed: seeds the augmentation.

        Raises:
            ValueError: if `x` is not of rank 4.
        """
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}"
            )
        if x.shape[3] not in (1, 3, 4):
            warnings.warn(
                'Expected input to be images (as Numpy array) following the data format '
                'convention "channels_last" (channels on axis 3), i.e. expected either 1, 3 or '
                f"4 channels on axis 3. However, it was passed an array with shape {x.shape} "
                f"({x.shape[3]} channels).", stacklevel=2,
            )
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.default_rng(seed if seed is not None else rng_utils.make_seed())
            x = np.concatenate([self.random_transform_batch(x, rng) for _ in range(rounds)])
        channels = x.shape[3]
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(1, 1, channels)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(1, 1, channels)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = x.reshape(len(x), -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            inverse = np.sqrt(len(x)) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * inverse) @ u.T


# Keras 2's base class name for image iterators.
Iterator = NumpyArrayIterator

_MISSING = {
    "DirectoryIterator": "lamina reads no image files; load them into numpy and use `flow`.",
    "DataFrameIterator": "lamina reads no image files; load them into numpy and use `flow`.",
    "load_img": "lamina reads no image files; load them with Pillow into numpy arrays.",
    "img_to_array": "lamina reads no image files; use `numpy.asarray(image)`.",
    "array_to_img": "lamina writes no image files; use Pillow's `Image.fromarray`.",
    "save_img": "lamina writes no image files; use Pillow.",
    "smart_resize": None,
}


def __getattr__(name: str) -> Any:
    module_getattr("keras.preprocessing.image", name, _MISSING)
