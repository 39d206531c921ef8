"""lamina's demo: a Keras script, unchanged but for its import line.

Trains a small MLP on a procedurally generated three-spiral dataset (no
download) and prints the test accuracy.
"""

import numpy as np

import lamina as keras


def make_spirals(n_per_class: int, classes: int = 3, noise: float = 0.5, seed: int = 0):
    """Interleaved spirals: not linearly separable, easy to learn for an MLP."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(c * 2 * np.pi / classes, c * 2 * np.pi / classes + 3.0, n_per_class)
        t = t + rng.normal(0.0, noise, n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    x = np.concatenate(xs).astype("float32")
    y = np.concatenate(ys).astype("int64")
    # Ten extra features: sines and cosines of the coordinates, plus noise.
    extra = np.concatenate(
        [np.sin(3 * x), np.cos(3 * x), np.sin(5 * x), rng.normal(0, 0.1, (len(x), 4))], axis=1
    )
    x = np.concatenate([x, extra.astype("float32")], axis=1)
    order = rng.permutation(len(x))
    return x[order], y[order]


def main() -> None:
    keras.utils.set_random_seed(42)
    x, y = make_spirals(2000)
    split = int(0.8 * len(x))
    x_train, y_train, x_test, y_test = x[:split], y[:split], x[split:], y[split:]

    model = keras.Sequential(
        [
            keras.Input(shape=(x.shape[1],)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.1),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1, verbose=1)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {acc:.4f}")
    print("lamina runs on:", keras.config.cpu_info())


if __name__ == "__main__":
    main()
