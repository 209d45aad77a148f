"""What the models Keras writes while the tests run share (mobile_blocks.py, preprocessing_layers.py).

Their layers have weights the golden sets' models do not: SeparableConv2D's `depthwise_kernel` and `pointwise_kernel`,
Normalization's `mean`, `variance` and `count`. generate.py names and draws only the others, and its text is the
golden sets' cache key (scripts/golden.sh), so the names are added here, where importing this module adds them for
gradients.py's `run_case` too, and the values come from `seed_weights`. Importing it also makes activations.py's
odd-size clone refresh what Normalization computes with (below).
"""
import activations
from generate import SHORT_NAMES, draw

SHORT_NAMES += [name for name in ("depthwise_kernel", "pointwise_kernel", "mean", "variance", "count") if name not in SHORT_NAMES]


def _odd_clone_with_statistics(keras, model, keras_path, clone_model=activations.odd_clone):
    """activations.py's odd-size clone, whose Normalization layers compute with the statistics it copied: set_weights
    changes an adapted Normalization's weights but not the broadcast values it computes with until finalize_state()
    (which load_model calls); without it the clone normalises by mean 0 and variance 1."""
    clone, why = clone_model(keras, model, keras_path)
    for layer in clone.layers if clone is not None else []:
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()
    return clone, why


activations.odd_clone = _odd_clone_with_statistics


def seeded_value(name, shape):
    """generate.py's `draw` for tensor `name` (`<layer>/<weight>`); a separable convolution's two kernels are drawn as
    kernels are, each under a name of its own."""
    layer, weight = name.rsplit("/", 1)
    if weight in ("depthwise_kernel", "pointwise_kernel"):
        return draw(f"{layer}_{weight}/kernel", shape)
    return draw(name, shape)


def seed_weights(keras, model):
    """Gives every weight its seeded value, except what Normalization's adapt() computed."""
    for layer in model.layers:
        if layer.weights and not isinstance(layer, keras.layers.Normalization):
            layer.set_weights([seeded_value(f"{layer.name}/{variable.name}", variable.shape) for variable in layer.weights])
