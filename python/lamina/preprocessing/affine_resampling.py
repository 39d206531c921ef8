"""One affine resampling for a whole batch of images, in numpy.

Each output pixel (column x, row y) of image b samples the input at
`A[b] @ (x, y, 1)` with bilinear (order 1) or nearest (order 0)
interpolation. Every image's coordinates are computed at once and the four
neighbours are gathered with one fancy index each -- no Python loop over
pixels or images.

Boundary modes follow scipy.ndimage (which Keras calls per channel), with
one deliberate difference: "wrap" is periodic with period n (scipy's legacy
"wrap" repeats with period n - 1, so a one-pixel shift of a 4-pixel row
brings back the second pixel, not the first).
"""

from __future__ import annotations

import numpy as np

FILL_MODES = ("nearest", "constant", "reflect", "wrap")

# Coordinates this close to an integer are taken as that integer, so a 90
# degree rotation or an integer shift copies pixels exactly instead of
# blending them with 1e-16 of a neighbour.
_SNAP = 1e-6


def _fold(index: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Maps integer indices outside [0, n) back inside, per boundary mode."""
    if mode == "reflect":  # half-sample symmetric: d c b a | a b c d | d c b a
        period = np.mod(index, 2 * n)
        return np.where(period >= n, 2 * n - 1 - period, period)
    if mode == "wrap":
        return np.mod(index, n)
    return np.clip(index, 0, n - 1)  # nearest; constant masks afterwards


def affine_resample(
    images: np.ndarray, matrices: np.ndarray, fill_mode: str = "nearest", cval: float = 0.0,
    order: int = 1,
) -> np.ndarray:
    """Resamples a batch of channels-last images through per-image affine maps.

    Args:
        images: `(batch, rows, cols, channels)` floats.
        matrices: `(batch, 2, 3)`: output `(x=col, y=row, 1)` -> input `(x, y)`.
        fill_mode: "nearest", "constant", "reflect" or "wrap".
        cval: the value outside the image for "constant".
        order: 1 (bilinear) or 0 (nearest neighbour).

    Returns:
        The resampled batch, same shape and dtype as `images`.

    Raises:
        ValueError: for an unknown `fill_mode` or `order`.
    """
    if fill_mode not in FILL_MODES:
        raise ValueError(
            f"fill_mode must be one of {FILL_MODES}. Received: fill_mode={fill_mode!r}"
        )
    if order not in (0, 1):
        raise ValueError(
            f"lamina interpolates with order 0 or 1 only. Received: interpolation_order={order}"
        )
    batch, rows, cols, channels = images.shape
    m = np.asarray(matrices, dtype=np.float64)
    xs = np.arange(cols, dtype=np.float64)[None, None, :]
    ys = np.arange(rows, dtype=np.float64)[None, :, None]
    src_x = m[:, 0, 0, None, None] * xs + m[:, 0, 1, None, None] * ys + m[:, 0, 2, None, None]
    src_y = m[:, 1, 0, None, None] * xs + m[:, 1, 1, None, None] * ys + m[:, 1, 2, None, None]
    for coord in (src_x, src_y):
        nearest_int = np.round(coord)
        close = np.abs(coord - nearest_int) < _SNAP
        coord[close] = nearest_int[close]
    if order == 0:
        src_x, src_y = np.floor(src_x + 0.5), np.floor(src_y + 0.5)

    x0 = np.floor(src_x)
    y0 = np.floor(src_y)
    fx = (src_x - x0)[..., None].astype(images.dtype)
    fy = (src_y - y0)[..., None].astype(images.dtype)
    x0i, y0i = x0.astype(np.intp), y0.astype(np.intp)
    cols_0, cols_1 = _fold(x0i, cols, fill_mode), _fold(x0i + 1, cols, fill_mode)
    rows_0, rows_1 = _fold(y0i, rows, fill_mode), _fold(y0i + 1, rows, fill_mode)

    flat = images.reshape(batch * rows * cols, channels)
    base = (np.arange(batch, dtype=np.intp) * rows * cols)[:, None, None]

    def gather(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        return flat[base + r * cols + c]

    top = gather(rows_0, cols_0) * (1 - fx) + gather(rows_0, cols_1) * fx
    bottom = gather(rows_1, cols_0) * (1 - fx) + gather(rows_1, cols_1) * fx
    out = top * (1 - fy) + bottom * fy
    if fill_mode == "constant":
        # scipy's "constant": a point outside [0, n - 1] is cval; no
        # interpolation with cval across the edge.
        outside = (src_x < 0) | (src_x > cols - 1) | (src_y < 0) | (src_y > rows - 1)
        out[outside] = cval
    return out.astype(images.dtype, copy=False)


def keras_affine_matrices(
    theta: np.ndarray, tx: np.ndarray, ty: np.ndarray, shear: np.ndarray, zx: np.ndarray,
    zy: np.ndarray, rows: int, cols: int,
) -> np.ndarray:
    """Keras's transform, rotation @ shift @ shear @ zoom about the image
    centre, as `(batch, 2, 3)` maps from output to input `(x=col, y=row)`.

    Args:
        theta: rotation in degrees (counter-clockwise: 90 is `np.rot90`).
        tx, ty: shifts in pixels along x (columns) and y (rows); a positive
            shift samples further along, moving the content left / up.
        shear: shear angle in degrees.
        zx, zy: zoom factors along x and y (above 1 zooms out).
        rows, cols: the image size; the centre is `((cols-1)/2, (rows-1)/2)`.

    Returns:
        The `(batch, 2, 3)` matrices.
    """
    t = np.deg2rad(theta)
    s = np.deg2rad(shear)
    batch = len(t)
    rotation = np.zeros((batch, 3, 3))
    rotation[:, 0, 0], rotation[:, 0, 1] = np.cos(t), -np.sin(t)
    rotation[:, 1, 0], rotation[:, 1, 1] = np.sin(t), np.cos(t)
    rotation[:, 2, 2] = 1
    shift = np.tile(np.eye(3), (batch, 1, 1))
    shift[:, 0, 2], shift[:, 1, 2] = tx, ty
    shearing = np.tile(np.eye(3), (batch, 1, 1))
    shearing[:, 0, 1], shearing[:, 1, 1] = -np.sin(s), np.cos(s)
    zoom = np.tile(np.eye(3), (batch, 1, 1))
    zoom[:, 0, 0], zoom[:, 1, 1] = zx, zy
    centre_x, centre_y = (cols - 1) / 2.0, (rows - 1) / 2.0
    to_centre = np.array([[1, 0, -centre_x], [0, 1, -centre_y], [0, 0, 1]])
    back = np.array([[1, 0, centre_x], [0, 1, centre_y], [0, 0, 1]])
    full = back @ rotation @ shift @ shearing @ zoom @ to_centre
    return full[:, :2, :]
