"""tf.keras 2.x's `fit_generator`, `evaluate_generator` and
`predict_generator`: deprecated wrappers around `fit`/`evaluate`/`predict`
(which take generators and datasets themselves), kept so classic scripts
run. Their defaults are tf.keras's own: `verbose=1` for `fit_generator`,
`0` for the other two. Keras 3 removed them.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, cast


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(
        f"`Model.{name}` is deprecated and will be removed in a future version. Please use "
        f"`Model.{replacement}`, which supports generators.",
        stacklevel=3,
    )


class GeneratorMethods:
    """Mixed into Sequential next to the Trainer."""

    def fit_generator(
        self,
        generator: Any,
        steps_per_epoch: Optional[int] = None,
        epochs: int = 1,
        verbose: Any = 1,
        callbacks: Any = None,
        validation_data: Any = None,
        validation_steps: Optional[int] = None,
        validation_freq: Any = 1,
        class_weight: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        shuffle: bool = True,
        initial_epoch: int = 0,
    ) -> Any:
        """Deprecated: `fit(generator, ...)`.

        Returns:
            The `History` callback, as `fit` does.
        """
        _deprecated("fit_generator", "fit")
        return cast(Any, self).fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self,
        generator: Any,
        steps: Optional[int] = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose: Any = 0,
    ) -> Any:
        """Deprecated: `evaluate(generator, ...)`.

        Returns:
            The loss (and metrics), as `evaluate` does.
        """
        _deprecated("evaluate_generator", "evaluate")
        return cast(Any, self).evaluate(
            generator,
            steps=steps,
            callbacks=callbacks,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            verbose=verbose,
        )

    def predict_generator(
        self,
        generator: Any,
        steps: Optional[int] = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose: Any = 0,
    ) -> Any:
        """Deprecated: `predict(generator, ...)`.

        Returns:
            The outputs as one numpy array, as `predict` does.
        """
        _deprecated("predict_generator", "predict")
        return cast(Any, self).predict(
            generator,
            steps=steps,
            callbacks=callbacks,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            verbose=verbose,
        )
