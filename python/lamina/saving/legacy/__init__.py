"""tf.keras 2.x's legacy HDF5 format, split by concern.

- `h5_attributes`: name-list attributes, chunked past HDF5's header limit.
- `h5_weights`: layer weights (`<layer>/<weight_name>` datasets), topological
  and by-name loading.
- `legacy_config`: `model_config` / `training_config` in tf.keras 2.x's JSON
  shape, and compile arguments back from a training config.
- `optimizer_weights`: the `optimizer_weights` group.

`lamina.saving.legacy_h5` puts them together into the public entry points.
"""
