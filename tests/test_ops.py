"""lamina.ops (keras.ops subset): values against numpy and, where Keras is
installed, against keras.ops on the TensorFlow backend."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import ops

X = np.array([[1.5, -2.0, 3.0], [0.25, 4.0, -1.0]], dtype=np.float32)
Y = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 1.0]], dtype=np.float32)

UNARY = ["square", "sqrt", "abs", "exp", "log", "negative", "sign", "round", "floor", "ceil",
         "tanh", "sigmoid", "softplus", "relu", "log1p", "isnan", "logical_not"]
BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "equal", "not_equal",
          "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
          "divide_no_nan"]
REDUCE = ["mean", "sum", "max", "min", "prod", "argmax", "argmin", "any", "all"]


@pytest.mark.parity
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_keras(keras_ref, name):
    x = np.abs(X) if name in ("sqrt", "log", "log1p") else X
    expected = np.asarray(getattr(keras_ref.ops, name)(x))
    got = getattr(ops, name)(x)
    assert isinstance(got, ops.Tensor)
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=1e-6)


@pytest.mark.parity
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_keras(keras_ref, name):
    expected = np.asarray(getattr(keras_ref.ops, name)(X, Y))
    got = np.asarray(getattr(ops, name)(X, Y))
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=1e-6)
    assert got.dtype == expected.dtype


@pytest.mark.parity
@pytest.mark.parametrize("name", REDUCE)
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_reductions_match_keras(keras_ref, name, axis):
    expected = np.asarray(getattr(keras_ref.ops, name)(X, axis=axis))
    got = np.asarray(getattr(ops, name)(X, axis=axis))
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=1e-6)


@pytest.mark.parity
def test_shapes_and_construction_match_keras(keras_ref):
    k = keras_ref.ops
    cases = [
        (ops.reshape(X, (3, 2)), k.reshape(X, (3, 2))),
        (ops.expand_dims(X, 1), k.expand_dims(X, 1)),
        (ops.squeeze(X[:1]), k.squeeze(X[:1])),
        (ops.transpose(X), k.transpose(X)),
        (ops.matmul(X, Y.T), k.matmul(X, Y.T)),
        (ops.concatenate([X, Y], axis=1), k.concatenate([X, Y], axis=1)),
        (ops.stack([X, Y]), k.stack([X, Y])),
        (ops.ones_like(X), k.ones_like(X)),
        (ops.zeros_like(X), k.zeros_like(X)),
        (ops.clip(X, -1.0, 2.0), k.clip(X, -1.0, 2.0)),
        (ops.where(X > 0, X, Y), k.where(X > 0, X, Y)),
        (ops.cast(X, "int32"), k.cast(X, "int32")),
        (ops.one_hot(np.array([0, 2]), 3), k.one_hot(np.array([0, 2]), 3)),
        (ops.softmax(X), k.softmax(X)),
        (ops.top_k(X, 2)[1], k.top_k(X, 2)[1]),
        (ops.in_top_k(np.array([2, 0]), X, 1), k.in_top_k(np.array([2, 0]), X, 1)),
    ]
    for got, expected in cases:
        expected = np.asarray(expected)
        assert np.shape(got) == expected.shape
        assert np.asarray(got).dtype == expected.dtype
        np.testing.assert_allclose(np.asarray(got, np.float64), expected.astype(np.float64),
                                   rtol=1e-6)
    assert ops.shape(X) == tuple(k.shape(X))


def test_tensor_and_variable_behave_like_keras_objects():
    t = ops.sum(ops.convert_to_tensor([1.0, 2.0]))
    assert float(t) == 3.0 and t.numpy() == 3.0
    assert ops.convert_to_tensor([1.0]).dtype == np.float32
    v = ops.Variable(0.0, shape=(2,), name="v")
    v.assign_add([1.0, 2.0])
    v.assign_sub(ops.ones((2,)))
    assert v.numpy().tolist() == [0.0, 1.0]
    assert (v * 2).tolist() == [0.0, 2.0]
    assert isinstance(v + 1, ops.Tensor)
    v.assign(5)
    assert v.numpy().tolist() == [5.0, 5.0]
    assert ops.convert_to_numpy(v).tolist() == [5.0, 5.0]


def test_gradient_error_says_forward_only():
    err = ops.gradient_error("a custom loss")
    assert "forward-only" in str(err) and "custom loss" in str(err)
