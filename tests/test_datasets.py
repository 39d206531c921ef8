"""keras.datasets loaders on tiny files written in Keras's formats: shapes,
dtypes and argument semantics (against real Keras where installed), the
restricted unpickler refusing malicious streams, and downloads from a local
HTTP server with hash checks and an offline error that says what to do."""

from __future__ import annotations

import inspect
import os
import pickle

import numpy as np
import pytest
from dataset_files import (
    Evil,
    cifar_batch,
    object_array,
    serve_directory,
    sha256,
    write_idx_gz,
    write_mnist,
    write_tar_gz,
)

import lamina as keras
from lamina.datasets import remote
from lamina.datasets.safe_pickle import load_npz
from lamina.utils.file_utils import DownloadError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """KERAS_HOME in tmp_path, no remote origin, and no hash checks (the files
    the tests write are not Keras's)."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv(remote.ORIGIN_ENV, raising=False)
    for key, entry in list(remote.KERAS_FILES.items()):
        monkeypatch.setitem(remote.KERAS_FILES, key, remote.RemoteFile(entry.origin, None))
    datasets = home / "datasets"
    datasets.mkdir(parents=True)
    return datasets


@pytest.fixture
def server(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    gen = serve_directory(str(served))
    url = next(gen)
    monkeypatch.setenv(remote.ORIGIN_ENV, url)
    yield served, url
    gen.close()


IMDB_TRAIN = [[5, 1, 7], [2, 2], [9, 3, 4, 8, 1], [6]]
IMDB_TEST = [[1, 1, 1, 1], [4, 6], [7, 7, 2]]


def write_imdb(path):
    np.savez(
        path,
        x_train=object_array(IMDB_TRAIN), y_train=np.array([1, 0, 1, 0]),
        x_test=object_array(IMDB_TEST), y_test=np.array([0, 1, 1]),
    )


REUTERS = [[1, 2, 3], [4, 5], [6, 1, 1, 9], [2], [3, 3, 3, 3, 3], [8, 7], [1, 4, 2], [5]]


def write_reuters(path):
    np.savez(path, x=object_array(REUTERS), y=np.array([3, 1, 4, 1, 5, 9, 2, 6]))


def write_boston(path, n=10):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(n, 13)), rng.normal(size=n)
    np.savez(path, x=x, y=y)
    return x, y


# -- loaders on cached files ------------------------------------------------------


def test_mnist_reads_the_keras_cache(cache):
    arrays = write_mnist(str(cache / "mnist.npz"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28)
    assert y_train.shape == (6,) and x_test.shape == (4, 28, 28)


def test_mnist_path_argument_is_a_file_name_in_the_cache(cache):
    write_mnist(str(cache / "my_mnist.npz"), n_train=3)
    (x_train, _), _ = keras.datasets.mnist.load_data(path="my_mnist.npz")
    assert x_train.shape == (3, 28, 28)
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        keras.datasets.mnist.load_data(path=os.path.join("sub", "mnist.npz"))


def test_fashion_mnist_reads_gzipped_idx_files(cache):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    rng = np.random.default_rng(2)
    x_train = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    y_train = np.arange(5, dtype=np.uint8)
    x_test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    y_test = np.array([9, 0], dtype=np.uint8)
    write_idx_gz(str(folder / "train-labels-idx1-ubyte.gz"), y_train)
    write_idx_gz(str(folder / "train-images-idx3-ubyte.gz"), x_train)
    write_idx_gz(str(folder / "t10k-labels-idx1-ubyte.gz"), y_test)
    write_idx_gz(str(folder / "t10k-images-idx3-ubyte.gz"), x_test)
    (a, b), (c, d) = keras.datasets.fashion_mnist.load_data()
    for got, want in ((a, x_train), (b, y_train), (c, x_test), (d, y_test)):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.uint8


def _cifar10_members(prefix):
    members = {
        f"{prefix}/data_batch_{i}": cifar_batch(3, {b"labels": [i, i + 1, 0]}, seed=i)
        for i in range(1, 6)
    }
    members[f"{prefix}/test_batch"] = cifar_batch(2, {b"labels": [7, 8]}, seed=9)
    return members


def _expected_images(n, seed):
    data = np.random.default_rng(seed).integers(0, 256, (n, 3072), dtype=np.uint8)
    return data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)


def test_cifar10_reads_the_keras3_layout(cache):
    folder = cache / "cifar-10-batches-py-target"
    for name, data in _cifar10_members("cifar-10-batches-py").items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (15, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (2, 32, 32, 3) and y_test.tolist() == [[7], [8]]
    np.testing.assert_array_equal(x_train[:3], _expected_images(3, 1))
    np.testing.assert_array_equal(x_test, _expected_images(2, 9))
    assert y_train[:6, 0].tolist() == [1, 2, 0, 2, 3, 0]


def test_cifar10_reads_the_tf_keras2_layout(cache):
    for name, data in _cifar10_members("cifar-10-batches-py").items():
        (cache / name).parent.mkdir(parents=True, exist_ok=True)
        (cache / name).write_bytes(data)
    (x_train, _), _ = keras.datasets.cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3)


def test_cifar100_label_modes(cache):
    folder = cache / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    labels = {b"fine_labels": [42, 7, 99], b"coarse_labels": [3, 19, 0]}
    (folder / "train").write_bytes(cifar_batch(3, labels, seed=1))
    (folder / "test").write_bytes(cifar_batch(3, labels, seed=2))
    (x_train, y_fine), _ = keras.datasets.cifar100.load_data()
    _, (_, y_coarse) = keras.datasets.cifar100.load_data(label_mode="coarse")
    assert x_train.shape == (3, 32, 32, 3)
    assert y_fine.tolist() == [[42], [7], [99]] and y_coarse.tolist() == [[3], [19], [0]]
    with pytest.raises(ValueError, match="label_mode"):
        keras.datasets.cifar100.load_data(label_mode="medium")


def test_boston_housing_shuffles_with_seed_and_splits(cache):
    x, y = write_boston(str(cache / "boston_housing.npz"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(x_train, x[order[:8]])
    np.testing.assert_array_equal(y_test, y[order[8:]])
    assert x_test.shape == (2, 13)
    with pytest.raises(ValueError, match="test_split"):
        keras.datasets.boston_housing.load_data(test_split=1.0)


def test_imdb_defaults_shift_ids_and_prepend_start(cache):
    write_imdb(str(cache / "imdb.npz"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data()
    assert x_train.dtype == object and x_train.shape == (4,)
    order = np.arange(4)
    rng = np.random.RandomState(113)
    rng.shuffle(order)
    assert x_train[0] == [1] + [w + 3 for w in IMDB_TRAIN[order[0]]]
    assert y_train.tolist() == np.array([1, 0, 1, 0])[order].tolist()
    assert len(x_test) == 3 and y_test.shape == (3,)


def test_imdb_arguments(cache):
    write_imdb(str(cache / "imdb.npz"))
    (x_train, _), (x_test, _) = keras.datasets.imdb.load_data(num_words=6, skip_top=2, maxlen=4)
    every = [w for s in list(x_train) + list(x_test) for w in s]
    assert set(every) <= {2, 3, 4, 5}  # ids outside [2, 6) became oov_char=2
    assert all(len(s) < 4 for s in x_train)
    (x_train, _), _ = keras.datasets.imdb.load_data(start_char=None, index_from=0, oov_char=None,
                                                     num_words=5)
    assert all(w < 5 for s in x_train for w in s)
    with pytest.raises(ValueError, match="no sequence was kept"):
        keras.datasets.imdb.load_data(maxlen=1)
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        keras.datasets.imdb.load_data(nb_wrods=5)
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        keras.datasets.imdb.load_data(nb_words=6)


def test_reuters_split_and_label_names(cache):
    write_reuters(str(cache / "reuters.npz"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(test_split=0.25)
    assert len(x_train) == 6 and len(x_test) == 2 and y_train.shape == (6,)
    assert len(keras.datasets.reuters.get_label_names()) == 46


def test_word_index_files(cache):
    (cache / "imdb_word_index.json").write_text('{"the": 1, "and": 2}')
    (cache / "reuters_word_index.json").write_text('{"said": 1}')
    assert keras.datasets.imdb.get_word_index() == {"the": 1, "and": 2}
    assert keras.datasets.reuters.get_word_index() == {"said": 1}


# -- against real Keras (same files, Keras's own processing) ------------------------


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"num_words": 6, "skip_top": 2}, {"maxlen": 4, "seed": 7}, {"oov_char": None,
     "num_words": 5}, {"start_char": None, "index_from": 0}],
)
def test_imdb_and_reuters_match_keras(cache, keras_ref, monkeypatch, kwargs):
    import keras.src.datasets.imdb as k_imdb
    import keras.src.datasets.reuters as k_reuters

    write_imdb(str(cache / "imdb.npz"))
    write_reuters(str(cache / "reuters.npz"))
    monkeypatch.setattr(k_imdb, "get_file", lambda *a, **k: str(cache / "imdb.npz"))
    monkeypatch.setattr(k_reuters, "get_file", lambda *a, **k: str(cache / "reuters.npz"))
    for ours, theirs in (
        (keras.datasets.imdb.load_data(**kwargs), k_imdb.load_data(**kwargs)),
        (keras.datasets.reuters.load_data(**kwargs), k_reuters.load_data(**kwargs)),
    ):
        for (xo, yo), (xk, yk) in zip(ours, theirs):
            assert [list(s) for s in xo] == [list(s) for s in xk]
            np.testing.assert_array_equal(yo, yk)


@pytest.mark.parity
def test_origins_and_hashes_are_keras(keras_ref):
    import keras.src.datasets as kd

    sources = "".join(
        inspect.getsource(getattr(kd, m))
        for m in ("mnist", "imdb", "reuters", "boston_housing", "cifar10", "cifar100")
    )
    for key, entry in remote.KERAS_FILES.items():
        if entry.file_hash is not None:
            assert entry.file_hash in sources, key
        assert key in sources or "fashion" in inspect.getsource(kd.fashion_mnist)


# -- the restricted unpickler -------------------------------------------------------


def test_malicious_npz_is_refused(cache, tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = Evil(str(marker))
    np.savez(str(cache / "imdb.npz"), x_train=evil, y_train=np.zeros(1),
             x_test=evil, y_test=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="system"):
        keras.datasets.imdb.load_data()
    assert not marker.exists()


def test_malicious_cifar_batch_is_refused(cache, tmp_path):
    marker = tmp_path / "pwned"
    folder = cache / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "train").write_bytes(pickle.dumps({b"data": Evil(str(marker))}, protocol=4))
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load"):
        keras.datasets.cifar100.load_data()
    assert not marker.exists()


def test_safe_npz_reads_numeric_and_object_arrays(tmp_path):
    path = str(tmp_path / "mixed.npz")
    np.savez(path, numbers=np.arange(6).reshape(2, 3), ragged=object_array([[1], [2, 3]]))
    arrays = load_npz(path)
    np.testing.assert_array_equal(arrays["numbers"], np.arange(6).reshape(2, 3))
    assert arrays["ragged"].tolist() == [[1], [2, 3]]


# -- downloads ----------------------------------------------------------------------


def test_download_checks_hash_and_shows_progress(cache, server, monkeypatch, capsys):
    served, url = server
    write_mnist(str(served / "mnist.npz"))
    digest = sha256(str(served / "mnist.npz"))
    monkeypatch.setitem(remote.KERAS_FILES, "mnist.npz",
                        remote.RemoteFile(remote.KERAS_FILES["mnist.npz"].origin, digest))
    (x_train, _), _ = keras.datasets.mnist.load_data()
    assert x_train.shape == (6, 28, 28)
    out = capsys.readouterr().out
    assert f"Downloading data from {url}/mnist.npz" in out
    assert sha256(str(cache / "mnist.npz")) == digest
    os.remove(served / "mnist.npz")  # now served from the cache
    keras.datasets.mnist.load_data()


def test_download_with_wrong_hash_leaves_nothing(cache, server, monkeypatch):
    served, _ = server
    write_boston(str(served / "boston_housing.npz"))
    keras_hash = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"
    monkeypatch.setitem(remote.KERAS_FILES, "boston_housing.npz",
                        remote.RemoteFile("unused", keras_hash))
    with pytest.raises(ValueError, match="hash does not match"):
        keras.datasets.boston_housing.load_data()
    assert os.listdir(cache) == []


def test_download_and_extract_cifar10(cache, server, monkeypatch):
    served, _ = server
    archive = str(served / "cifar-10-python.tar.gz")
    write_tar_gz(archive, _cifar10_members("cifar-10-batches-py"))
    monkeypatch.setitem(remote.KERAS_FILES, "cifar-10-python.tar.gz",
                        remote.RemoteFile("unused", sha256(archive)))
    (x_train, _), (x_test, _) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert (cache / "cifar-10-batches-py-target_archive").is_file()
    assert (cache / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").is_file()


def test_offline_error_says_where_to_place_the_file(cache, monkeypatch):
    monkeypatch.setenv(remote.ORIGIN_ENV, "http://127.0.0.1:1")  # nothing listens there
    with pytest.raises(DownloadError) as info:
        keras.datasets.mnist.load_data()
    message = str(info.value)
    assert "http://127.0.0.1:1/mnist.npz" in message
    assert str(cache / "mnist.npz") in message
    assert os.listdir(cache) == []


def test_http_error_is_reported(cache, server):
    with pytest.raises(DownloadError, match="404"):
        keras.datasets.reuters.load_data()


@pytest.mark.parity
def test_load_data_signatures_match_keras(keras_ref):
    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
                if p.kind is not inspect.Parameter.VAR_KEYWORD]

    for name in ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
                 "boston_housing"):
        ours, theirs = getattr(keras.datasets, name), getattr(keras_ref.datasets, name)
        assert params(ours.load_data) == params(theirs.load_data), name
    for name in ("imdb", "reuters"):
        ours, theirs = getattr(keras.datasets, name), getattr(keras_ref.datasets, name)
        assert params(ours.get_word_index) == params(theirs.get_word_index)
    assert keras.datasets.reuters.get_label_names() == keras_ref.datasets.reuters.get_label_names()
