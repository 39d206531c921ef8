"""ImageDataGenerator on numpy arrays: transforms checked by value on known
patterns (rotations, integer shifts, flips, zoom, fill modes), standardisation,
the NumpyArrayIterator's PyDataset contract, determinism, pickling and worker
processes, and parity with Keras's own transform where scipy is installed."""

from __future__ import annotations

import multiprocessing
import pickle

import numpy as np
import pytest
from conftest import require

import lamina as keras
from lamina.preprocessing import image as image_module
from lamina.preprocessing.image import ImageDataGenerator, NumpyArrayIterator

SQUARE = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
WIDE = np.arange(12, dtype=np.float32).reshape(3, 4, 1)


def _apply(params, image=SQUARE, **kwargs):
    return ImageDataGenerator(**kwargs).apply_transform(image, params)


# -- known patterns ------------------------------------------------------------------


@pytest.mark.parametrize("theta,k", [(90, 1), (180, 2), (-90, -1), (270, 3)])
def test_rotation_by_right_angles_is_rot90(theta, k):
    rgb = np.random.default_rng(0).random((5, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(_apply({"theta": theta}, rgb), np.rot90(rgb, k))
    np.testing.assert_array_equal(_apply({"theta": theta}), np.rot90(SQUARE, k))


def test_rotation_of_a_non_square_image_turns_about_its_centre():
    np.testing.assert_array_equal(_apply({"theta": 180}, WIDE), WIDE[::-1, ::-1])


def test_integer_shifts_move_content_by_whole_pixels():
    # tx samples further right (content moves left); edges repeat (fill_mode="nearest").
    expected = SQUARE[:, [2, 3, 3, 3]]
    np.testing.assert_array_equal(_apply({"tx": 2}), expected)
    np.testing.assert_array_equal(_apply({"ty": -1}), SQUARE[[0, 0, 1, 2]])
    np.testing.assert_array_equal(_apply({"tx": 1}, WIDE), WIDE[:, [1, 2, 3, 3]])


def test_height_shift_range_shifts_rows_and_width_shift_range_columns():
    images = np.repeat(SQUARE[None], 16, axis=0)
    rows = ImageDataGenerator(height_shift_range=[1]).flow(images, batch_size=16, seed=3)[0]
    up, down = SQUARE[[1, 2, 3, 3]], SQUARE[[0, 0, 1, 2]]
    assert all(np.array_equal(img, up) or np.array_equal(img, down) for img in rows)
    assert any(np.array_equal(img, up) for img in rows)
    assert any(np.array_equal(img, down) for img in rows)
    cols = ImageDataGenerator(width_shift_range=2).flow(images, batch_size=16, seed=3)[0]
    allowed = [SQUARE[:, [1, 2, 3, 3]], SQUARE[:, [0, 0, 1, 2]], SQUARE]
    assert all(any(np.array_equal(img, a) for a in allowed) for img in cols)


def test_flips():
    images = np.repeat(SQUARE[None], 32, axis=0)
    out = ImageDataGenerator(horizontal_flip=True).flow(images, batch_size=32, seed=0)[0]
    flipped = [np.array_equal(img, SQUARE[:, ::-1]) for img in out]
    same = [np.array_equal(img, SQUARE) for img in out]
    assert all(f or s for f, s in zip(flipped, same)) and 4 < sum(flipped) < 28
    out = ImageDataGenerator(vertical_flip=True).flow(images, batch_size=32, seed=0)[0]
    assert all(np.array_equal(i, SQUARE[::-1]) or np.array_equal(i, SQUARE) for i in out)
    np.testing.assert_array_equal(_apply({"flip_horizontal": True, "flip_vertical": True}),
                                  SQUARE[::-1, ::-1])


def test_zoom():
    grid = np.arange(25, dtype=np.float32).reshape(5, 5, 1)
    zoomed_out = _apply({"zx": 2, "zy": 2}, grid)  # samples every other pixel around the centre
    np.testing.assert_array_equal(zoomed_out[1:4, 1:4, 0], grid[::2, ::2, 0])
    zoomed_in = _apply({"zx": 0.5, "zy": 0.5}, grid)[..., 0]
    # centre 2: output column j samples input column 2 + (j - 2) / 2, bilinear.
    np.testing.assert_allclose(zoomed_in[2], [11, 11.5, 12, 12.5, 13])
    np.testing.assert_allclose(zoomed_in[:, 2], [7, 9.5, 12, 14.5, 17])


@pytest.mark.parametrize("mode,expected", [
    ("nearest", [2, 3, 3, 3]),
    ("constant", [2, 3, -1, -1]),
    ("reflect", [2, 3, 3, 2]),
    ("wrap", [2, 3, 0, 1]),
])
def test_fill_modes(mode, expected):
    row = np.arange(4, dtype=np.float32).reshape(1, 4, 1)
    out = _apply({"tx": 2}, row, fill_mode=mode, cval=-1)
    assert out[0, :, 0].tolist() == expected


def test_shear_keeps_the_centre_and_moves_rows_sideways():
    grid = np.arange(25, dtype=np.float32).reshape(5, 5, 1)
    out = _apply({"shear": 45}, grid, interpolation_order=0)[..., 0]
    assert out[2, 2] == grid[2, 2, 0]
    assert not np.array_equal(out, grid[..., 0])


def test_channel_shift_and_brightness():
    img = np.stack([np.full((2, 2), v, np.float32) for v in (10, 20, 30)], axis=-1)
    out = _apply({"channel_shift_intensity": 5.0}, img)
    assert out[0, 0].tolist() == [15, 25, 30]  # clipped to the image's max
    out = _apply({"brightness": 0.5}, img)
    assert out[0, 0].tolist() == [5, 10, 15]


def test_one_affine_resampling_per_batch(monkeypatch):
    calls = []
    real = image_module.affine_resample
    monkeypatch.setattr(image_module, "affine_resample",
                        lambda x, *a, **k: calls.append(x.shape) or real(x, *a, **k))
    images = np.random.default_rng(0).random((10, 6, 6, 3))
    it = ImageDataGenerator(rotation_range=20, zoom_range=0.1, width_shift_range=0.1,
                            shear_range=5).flow(images, batch_size=4, seed=0)
    for i in range(len(it)):
        it[i]
    assert calls == [(4, 6, 6, 3), (4, 6, 6, 3), (2, 6, 6, 3)]


# -- standardisation ------------------------------------------------------------------


def test_rescale_and_samplewise():
    rng = np.random.default_rng(1)
    images = rng.random((6, 4, 4, 3)).astype(np.float32) * 255
    out = ImageDataGenerator(rescale=1 / 255).flow(images, shuffle=False, batch_size=6)[0]
    np.testing.assert_allclose(out, images / 255, rtol=1e-6)
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = gen.flow(images, shuffle=False, batch_size=6)[0]
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)


def test_featurewise_via_fit():
    rng = np.random.default_rng(2)
    images = (rng.normal(size=(20, 4, 4, 3)) * [1, 2, 3] + [5, -1, 0]).astype(np.float32)
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        gen = ImageDataGenerator(featurewise_std_normalization=True)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        gen.flow(images, batch_size=20)[0]
    gen.fit(images)
    np.testing.assert_allclose(gen.mean.ravel(), images.mean(axis=(0, 1, 2)), rtol=1e-5)
    out = gen.flow(images, batch_size=20, shuffle=False)[0]
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(images[0])


def test_zca_whitening_decorrelates():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(200, 2, 2, 1))
    noise = rng.normal(size=(200, 2, 2, 2)) * 0.1
    images = np.concatenate([base, base * 0.5 + noise[..., :1], base - noise[..., 1:]], axis=-1)
    with pytest.warns(UserWarning, match="`zca_whitening`, which overrides"):
        gen = ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-12, dtype="float64")
    gen.fit(images)
    out = gen.flow(images, batch_size=200, shuffle=False)[0].reshape(200, -1)
    np.testing.assert_allclose(out.T @ out / len(out), np.eye(12), atol=1e-6)  # second moment


def test_preprocessing_function_runs_per_image_after_augmentation():
    seen = []

    def negate(img):
        seen.append(img.shape)
        return -img

    gen = ImageDataGenerator(preprocessing_function=negate, horizontal_flip=True, rescale=2)
    out = gen.flow(np.repeat(SQUARE[None], 3, axis=0), batch_size=3, shuffle=False)[0]
    assert seen == [(4, 4, 1)] * 3
    assert all(np.array_equal(o, -2 * SQUARE) or np.array_equal(o, -2 * SQUARE[:, ::-1])
               for o in out)


# -- the iterator -------------------------------------------------------------------


def _data(n=10):
    x = np.arange(n, dtype=np.float32)[:, None, None, None] * np.ones((1, 2, 2, 1), np.float32)
    return x, np.arange(n)


def test_iterator_is_a_pydataset_with_keras_length_and_batches():
    x, y = _data()
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    assert isinstance(it, keras.utils.PyDataset) and isinstance(it, NumpyArrayIterator)
    assert len(it) == 3 and it.num_batches == 3
    bx, by = it[2]
    assert bx.shape == (2, 2, 2, 1) and bx.dtype == np.float32 and by.tolist() == [8, 9]
    np.testing.assert_array_equal(bx[:, 0, 0, 0], by)
    with pytest.raises(ValueError, match="Asked to retrieve element 3"):
        it[3]
    only_x = ImageDataGenerator().flow(x, batch_size=4)[0]
    assert isinstance(only_x, np.ndarray)
    bx, by, bw = ImageDataGenerator().flow(x, y, sample_weight=y * 2.0, batch_size=5,
                                           shuffle=False)[1]
    assert bw.tolist() == [10, 12, 14, 16, 18]


def test_shuffle_covers_every_sample_once_and_reshuffles_each_epoch():
    x, y = _data(12)
    it = ImageDataGenerator().flow(x, y, batch_size=5, seed=7)
    first = np.concatenate([it[i][1] for i in range(len(it))])
    assert sorted(first.tolist()) == list(range(12))
    it.on_epoch_end()
    second = np.concatenate([it[i][1] for i in range(len(it))])
    assert sorted(second.tolist()) == list(range(12)) and first.tolist() != second.tolist()


def test_seeded_flows_are_deterministic():
    images = np.random.default_rng(0).random((8, 6, 6, 3)).astype(np.float32)
    gen = ImageDataGenerator(rotation_range=40, zoom_range=0.2, horizontal_flip=True)
    a = gen.flow(images, batch_size=4, seed=42)
    b = gen.flow(images, batch_size=4, seed=42)
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[1], a[1])
    assert not np.array_equal(a[1], gen.flow(images, batch_size=4, seed=43)[1])
    keras.utils.set_random_seed(5)
    c = gen.flow(images, batch_size=4)[0]
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(c, gen.flow(images, batch_size=4)[0])


def test_endless_next_wraps_into_new_epochs():
    x, y = _data(5)
    it = ImageDataGenerator().flow(x, y, batch_size=2, seed=1)
    sizes = [len(next(it)[1]) for _ in range(7)]
    assert sizes == [2, 2, 1, 2, 2, 1, 2] and it.epoch == 2
    assert iter(it) is it and len(it.next()[1]) == 2


def test_flow_argument_errors():
    x, y = _data(4)
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="should have the same length"):
        gen.flow(x, y[:3])
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(x[:, :, :, 0], y)
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(x, y, batch_size=0)
    with pytest.raises(NotImplementedError, match="save_to_dir"):
        gen.flow(x, y, save_to_dir="/tmp")
    with pytest.raises(ValueError, match="channels_last"):
        ImageDataGenerator(data_format="channels_first")
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=[0.5, 1, 2])


def test_subset_split():
    x, y = _data(10)
    gen = ImageDataGenerator(validation_split=0.2)
    y = y % 2
    val = gen.flow(x, y, subset="validation", shuffle=False, batch_size=10)[0]
    train = gen.flow(x, y, subset="training", shuffle=False, batch_size=10)[0]
    assert len(val[1]) == 2 and len(train[1]) == 8
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.sort(y), subset="training")
    with pytest.raises(ValueError, match="Invalid subset name"):
        gen.flow(x, y, subset="test")


def _load(args):
    it, idx = args
    return it[idx]


def test_iterator_pickles_and_works_in_worker_processes():
    images = np.random.default_rng(0).random((9, 5, 5, 3)).astype(np.float32)
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, horizontal_flip=True)
    it = gen.flow(images, np.arange(9), batch_size=4, seed=11)
    local = [it[i] for i in range(len(it))]
    clone = pickle.loads(pickle.dumps(it))
    np.testing.assert_array_equal(clone[2][0], local[2][0])
    with multiprocessing.get_context("fork").Pool(2) as pool:
        remote = pool.map(_load, [(it, i) for i in range(len(it))])
    for (rx, ry), (lx, ly) in zip(remote, local):
        np.testing.assert_array_equal(rx, lx)
        np.testing.assert_array_equal(ry, ly)


def test_keras_namespace_and_unsupported_names():
    assert keras.preprocessing.image.ImageDataGenerator is ImageDataGenerator
    with pytest.raises(NotImplementedError, match="load_img"):
        keras.preprocessing.image.load_img  # noqa: B018
    with pytest.raises(NotImplementedError, match="flow_from_directory"):
        ImageDataGenerator().flow_from_directory("/tmp")


# -- against Keras's own transform (scipy.ndimage) ----------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("mode", ["nearest", "constant", "reflect"])
def test_apply_transform_matches_keras_on_square_images(keras_ref, mode):
    require("scipy")
    from keras.src.legacy.preprocessing.image import ImageDataGenerator as KerasGenerator

    rng = np.random.default_rng(4)
    ours, theirs = ImageDataGenerator(fill_mode=mode, cval=0.5), KerasGenerator(
        fill_mode=mode, cval=0.5)
    for _ in range(6):
        img = rng.random((7, 7, 3)).astype(np.float32)
        params = {"theta": rng.uniform(-60, 60), "tx": rng.uniform(-2, 2),
                  "ty": rng.uniform(-2, 2), "shear": rng.uniform(-20, 20),
                  "zx": rng.uniform(0.7, 1.3), "zy": rng.uniform(0.7, 1.3),
                  "flip_horizontal": bool(rng.random() < 0.5)}
        np.testing.assert_allclose(ours.apply_transform(img, params),
                                   theirs.apply_transform(img.copy(), params), atol=1e-4)


@pytest.mark.parity
def test_fit_statistics_match_keras(keras_ref):
    require("scipy")
    from keras.src.legacy.preprocessing.image import ImageDataGenerator as KerasGenerator

    images = np.random.default_rng(5).random((12, 3, 3, 3)).astype(np.float32)
    ours = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                              rescale=0.5)
    theirs = KerasGenerator(featurewise_center=True, featurewise_std_normalization=True,
                            rescale=0.5)
    ours.fit(images)
    theirs.fit(images)
    np.testing.assert_allclose(ours.mean, theirs.mean, rtol=1e-6)
    np.testing.assert_allclose(ours.std, theirs.std, rtol=1e-6)
    np.testing.assert_allclose(ours.standardize(images[0].copy()),
                               theirs.standardize(images[0].copy()), rtol=1e-5)


@pytest.mark.parity
def test_signatures_match_keras(keras_ref):
    require("scipy")
    import inspect

    from keras.src.legacy.preprocessing.image import ImageDataGenerator as KerasGenerator

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(ImageDataGenerator.__init__) == params(KerasGenerator.__init__)
    assert params(ImageDataGenerator.flow) == params(KerasGenerator.flow)
    assert params(ImageDataGenerator.fit) == params(KerasGenerator.fit)


@pytest.mark.parametrize("workers, processes", [(0, False), (2, False), (2, True)])
def test_flow_trains_a_convnet_with_fit_and_fit_generator(workers, processes):
    # The whole path a classic script takes: augmented batches from
    # ImageDataGenerator.flow, fed by worker threads or processes, into a
    # convnet, through fit and the tf.keras 2.x fit_generator.
    import lamina

    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 8, 8, 1)).astype(np.float32)
    y = lamina.utils.to_categorical(rng.integers(0, 3, size=48), 3)
    datagen = lamina.preprocessing.image.ImageDataGenerator(
        rotation_range=10, width_shift_range=0.1, horizontal_flip=True)
    model = lamina.Sequential([
        lamina.Input((8, 8, 1)),
        lamina.layers.Conv2D(4, 3, activation="relu"),
        lamina.layers.MaxPooling2D(),
        lamina.layers.Flatten(),
        lamina.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(datagen.flow(x, y, batch_size=16, seed=1), epochs=2, verbose=0,
                        workers=workers, use_multiprocessing=processes)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
    assert int(model.optimizer.iterations) == 6
    with pytest.warns(UserWarning, match="fit_generator"):
        model.fit_generator(datagen.flow(x, y, batch_size=16, seed=2), steps_per_epoch=3,
                            epochs=1, verbose=0, workers=workers,
                            use_multiprocessing=processes)
    assert int(model.optimizer.iterations) == 9
