"""keras.utils helpers: to_categorical, normalize, pad_sequences (values,
errors, and against real Keras), get_file against a local HTTP server, and
the registry re-exports."""

from __future__ import annotations

import os
import tarfile

import numpy as np
import pytest
from dataset_files import serve_directory, sha256

import lamina as keras
from lamina.utils.file_utils import DownloadError, get_file


def test_to_categorical_documented_example():
    out = keras.utils.to_categorical([0, 1, 2, 3], num_classes=4)
    np.testing.assert_array_equal(out, np.eye(4))
    assert out.dtype == np.float64  # Keras 3 returns float64


def test_to_categorical_shapes_and_dtype():
    assert keras.utils.to_categorical(np.array([[1], [0], [2]])).shape == (3, 3)
    assert keras.utils.to_categorical(np.array([[1, 0], [2, 2]])).shape == (2, 2, 3)
    out = keras.utils.to_categorical([1, 0], num_classes=3, dtype="float32")  # tf.keras 2.x
    assert out.dtype == np.float32 and out.tolist() == [[0, 1, 0], [1, 0, 0]]
    np.testing.assert_array_equal(keras.utils.to_categorical([1.0, 2.0]), np.eye(3)[[1, 2]])


@pytest.mark.parametrize("labels,num_classes,match", [
    ([0, 3], 3, "class index 3 is outside \\[0, 3\\)"),
    ([-1, 1], None, "class index -1"),
    ([0.5, 1], None, "integer class indices"),
    (["a"], None, "integer class indices"),
])
def test_to_categorical_refuses_bad_labels(labels, num_classes, match):
    with pytest.raises(ValueError, match=match):
        keras.utils.to_categorical(labels, num_classes=num_classes)


def test_normalize_numpy_and_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(keras.utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(keras.utils.normalize(x, axis=0, order=1), [[1.0, 1.0], [0, 0]])
    np.testing.assert_allclose(keras.utils.normalize([[1, 2, 3], [4, 5, 6]]),
                               [[0.26726124, 0.5345225, 0.8017837],
                                [0.45584232, 0.5698029, 0.68376344]], rtol=1e-6)
    with pytest.raises(ValueError, match="order"):
        keras.utils.normalize([1.0, 2.0], order=0)


def test_pad_sequences_defaults_pre():
    out = keras.preprocessing.sequence.pad_sequences([[1, 2, 3], [4], [5, 6]])
    assert out.dtype == np.int32
    assert out.tolist() == [[1, 2, 3], [0, 0, 4], [0, 5, 6]]
    assert keras.utils.pad_sequences is keras.preprocessing.sequence.pad_sequences


def test_pad_sequences_options():
    seqs = [[1, 2, 3, 4], [5]]
    pad = keras.utils.pad_sequences
    assert pad(seqs, maxlen=2).tolist() == [[3, 4], [0, 5]]
    assert pad(seqs, maxlen=2, truncating="post").tolist() == [[1, 2], [0, 5]]
    assert pad(seqs, maxlen=3, padding="post", value=-1).tolist() == [[2, 3, 4], [5, -1, -1]]
    assert pad([[], [1]]).tolist() == [[0], [1]]
    assert pad([[0.5, 1.5]], dtype="float32", maxlen=3).tolist() == [[0, 0.5, 1.5]]
    out = pad([np.ones((2, 3)), np.ones((1, 3))])
    assert out.shape == (2, 2, 3) and out[1, 0].tolist() == [0, 0, 0]
    assert pad([["a", "b"], ["c"]], dtype=object, value="").tolist() == [["a", "b"], ["", "c"]]


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "middle"}, 'Padding type "middle" not understood'),
    ({"truncating": "mid"}, 'Truncating type "mid" not understood'),
    ({"value": "x"}, "not compatible with `value`"),
    ({"maxlen": -1}, "maxlen"),
])
def test_pad_sequences_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.utils.pad_sequences([[1, 2]], **kwargs)


def test_pad_sequences_refuses_non_iterables():
    with pytest.raises(ValueError, match="non-iterable: 3"):
        keras.utils.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="different from expected shape"):
        keras.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 4))])


@pytest.mark.parity
def test_against_keras(keras_ref):
    k = keras_ref
    y = np.array([[2], [0], [1], [2]])
    np.testing.assert_array_equal(keras.utils.to_categorical(y), k.utils.to_categorical(y))
    x = np.random.default_rng(0).normal(size=(4, 5))
    for axis, order in ((-1, 2), (1, 1), (1, 3)):
        np.testing.assert_allclose(keras.utils.normalize(x, axis, order),
                                   k.utils.normalize(x, axis, order), rtol=1e-12)
    seqs = [[1, 2, 3, 4, 5], [6], [], [7, 8]]
    for kwargs in ({}, {"maxlen": 3}, {"maxlen": 3, "padding": "post", "truncating": "post"},
                   {"value": 9, "dtype": "float64"}, {"maxlen": 6}):
        ours = keras.utils.pad_sequences(seqs, **kwargs)
        theirs = k.utils.pad_sequences(seqs, **kwargs)
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype


def test_registry_is_lamina_saving():
    from lamina.saving import object_registration

    assert keras.utils.get_custom_objects is object_registration.get_custom_objects

    @keras.utils.register_keras_serializable(package="Tests")
    def my_activation(x):
        return x

    assert keras.utils.get_custom_objects()["Tests>my_activation"] is my_activation
    assert keras.saving.get_registered_name(my_activation) == "Tests>my_activation"
    del keras.utils.get_custom_objects()["Tests>my_activation"]


# -- get_file -----------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    gen = serve_directory(str(folder))
    url = next(gen)
    yield folder, url
    gen.close()


def test_get_file_downloads_once_and_checks_md5_and_sha256(tmp_path, served, capsys):
    folder, url = served
    (folder / "data.txt").write_bytes(b"hello lamina")
    digest = sha256(str(folder / "data.txt"))
    path = get_file(origin=f"{url}/data.txt", file_hash=digest, cache_dir=str(tmp_path / "c"))
    assert path == str(tmp_path / "c" / "datasets" / "data.txt")
    assert open(path, "rb").read() == b"hello lamina"
    assert "Downloading data from" in capsys.readouterr().out
    (folder / "data.txt").unlink()
    again = get_file("data.txt", f"{url}/data.txt", file_hash=digest, cache_dir=str(tmp_path / "c"))
    assert again == path and "Downloading" not in capsys.readouterr().out
    md5 = "2c0a4d4d0c2d9b9e0ec0cc2ae1b5e0b1"
    with pytest.raises(DownloadError):  # md5 mismatch -> re-download -> 404
        get_file("data.txt", f"{url}/data.txt", md5_hash=md5, cache_dir=str(tmp_path / "c"))
    assert not os.path.exists(path + ".part")


def test_get_file_extracts_tar_and_skips_unsafe_members(tmp_path, served):
    folder, url = served
    inner = tmp_path / "inner.txt"
    inner.write_text("inside")
    with tarfile.open(folder / "pack.tar.gz", "w:gz") as tar:
        tar.add(str(inner), arcname="pack/inner.txt")
        tar.add(str(inner), arcname="../escape.txt")
    with pytest.warns(UserWarning, match="Skipping invalid path.*escape"):
        out = get_file("pack.tar.gz", f"{url}/pack.tar.gz", extract=True,
                       cache_dir=str(tmp_path / "c"))
    assert out == str(tmp_path / "c" / "datasets" / "pack_extracted")
    assert open(os.path.join(out, "pack", "inner.txt")).read() == "inside"
    assert not (tmp_path / "c" / "datasets" / "escape.txt").exists()


def test_get_file_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="origin"):
        get_file("x.txt")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file(os.path.join("a", "b.txt"), "http://127.0.0.1:1/b.txt", cache_dir=str(tmp_path))


def test_get_file_honours_keras_home(tmp_path, monkeypatch, served):
    folder, url = served
    (folder / "f.bin").write_bytes(b"\x00\x01")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    path = keras.utils.get_file(origin=f"{url}/f.bin", cache_subdir="models")
    assert path == str(tmp_path / "home" / "models" / "f.bin")


@pytest.mark.parity
def test_signatures_match_keras(keras_ref):
    import inspect

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    for name in ("normalize", "pad_sequences", "get_file", "plot_model", "model_to_dot"):
        assert params(getattr(keras.utils, name)) == params(getattr(keras_ref.utils, name)), name
    # tf.keras 2.x's dtype= comes after Keras 3's parameters.
    assert params(keras.utils.to_categorical)[:2] == params(keras_ref.utils.to_categorical)
