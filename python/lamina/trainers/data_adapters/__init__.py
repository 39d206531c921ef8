from lamina.trainers.data_adapters.array_data_adapter import (
    ArrayDataAdapter,
    Batch,
    train_validation_split,
)

__all__ = ["ArrayDataAdapter", "Batch", "train_validation_split"]
