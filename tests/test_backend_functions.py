"""keras.backend: clear_session resets auto names, get_value/set_value on
the learning rate, variables and numpy arrays, and the constant queries."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import lamina as keras
from lamina import backend as K


def _model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])


def test_clear_session_resets_auto_names_in_a_loop():
    names = []
    for _ in range(3):
        K.clear_session()
        model = _model()
        names.append((model.name, [layer.name for layer in model.layers]))
    assert names == [("sequential", ["dense", "dense_1"])] * 3
    second = _model()  # without clear_session the counters continue
    assert second.name == "sequential_1" and second.layers[0].name == "dense_2"


def test_constants():
    assert K.backend() == "lamina"
    assert K.floatx() == "float32"
    assert K.image_data_format() == "channels_last"
    assert K.epsilon() == 1e-7
    try:
        K.set_epsilon(1e-5)
        assert K.epsilon() == 1e-5
    finally:
        K.set_epsilon(1e-7)


def test_get_and_set_value_on_the_learning_rate():
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    lr = model.optimizer.learning_rate
    assert isinstance(lr, float) and lr == pytest.approx(0.1)
    value = K.get_value(lr)
    assert isinstance(value, np.float32) and value == np.float32(0.1)
    K.set_value(model.optimizer.learning_rate, 0.01)
    assert K.get_value(model.optimizer.learning_rate) == np.float32(0.01)
    model.optimizer.learning_rate.assign(0.5)  # Keras 3's variable spelling
    assert model.optimizer.lr == pytest.approx(0.5)
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32)
    before = model.get_weights()[0].copy()
    K.set_value(model.optimizer.lr, 0.0)
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], before)  # lr 0: nothing moves


def test_learning_rate_value_pickles_and_copies_as_a_float():
    opt = keras.optimizers.Adam(learning_rate=0.003)
    lr = opt.learning_rate
    assert type(pickle.loads(pickle.dumps(lr))) is float
    assert type(copy.deepcopy(lr)) is float
    assert lr * 2 == pytest.approx(0.006) and f"{lr:.3f}" == "0.003"


def test_set_value_on_a_schedule_raises_like_keras():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    opt = keras.optimizers.SGD(learning_rate=schedule)
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        K.set_value(opt.learning_rate, 0.01)


def test_get_and_set_value_on_weights_and_arrays():
    model = _model()
    kernel = model.layers[0].kernel
    K.set_value(kernel, np.full((3, 2), 0.25))
    np.testing.assert_array_equal(K.get_value(kernel), np.full((3, 2), 0.25))
    np.testing.assert_array_equal(model.get_weights()[0], np.full((3, 2), 0.25))
    with pytest.raises(ValueError, match="shape"):
        K.set_value(kernel, np.zeros((2, 2)))
    array = np.zeros(3)
    K.set_value(array, [1, 2, 3])
    assert array.tolist() == [1, 2, 3]
    copy_ = K.get_value(array)
    copy_[0] = 9
    assert array[0] == 1
    with pytest.raises(TypeError, match="update in place"):
        K.set_value(0.1, 0.2)


def test_get_and_set_value_on_metric_variables():
    from lamina.ops import Variable

    v = Variable(np.zeros(2), shape=(2,))
    K.set_value(v, [1.0, 2.0])
    assert K.get_value(v).tolist() == [1.0, 2.0]


def test_tf_keras_backend_math_for_custom_metrics():
    def recall(y_true, y_pred):  # the classic tf.keras snippet
        true_positives = K.sum(K.round(K.clip(y_true * y_pred, 0, 1)))
        possible_positives = K.sum(K.round(K.clip(y_true, 0, 1)))
        return true_positives / (possible_positives + K.epsilon())

    y_true = np.array([[1.0], [1.0], [0.0], [1.0]])
    y_pred = np.array([[0.9], [0.2], [0.8], [0.7]])
    assert float(recall(y_true, y_pred)) == pytest.approx(2 / 3, rel=1e-6)
    assert K.int_shape(np.zeros((2, 3))) == (2, 3)
    assert K.concatenate([np.ones((1, 2)), np.zeros((1, 1))]).shape == (1, 3)
    assert float(K.pow(np.float32(2), 3)) == 8
    assert K.constant(1.5, shape=(2,)).tolist() == [1.5, 1.5]
    with pytest.raises(NotImplementedError, match="keras.backend.gradients.*keras.ops"):
        K.gradients  # noqa: B018
