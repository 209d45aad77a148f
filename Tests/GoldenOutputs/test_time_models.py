"""What the models Keras writes while the tests run share (mobile_blocks.py, preprocessing_layers.py, shape_layers.py,
grouped_resizing.py, lesion_with_metadata.py, applications_reference.py).

Their layers have weights the golden sets' models do not: SeparableConv2D's `depthwise_kernel` and `pointwise_kernel`,
Normalization's `mean`, `variance` and `count`. generate.py names and draws only the others, and its text is the
golden sets' cache key (scripts/golden.sh), so the names are added here, where importing this module adds them for
gradients.py's `run_case` too, and the values come from `seed_weights`. Importing it also makes activations.py's
odd-size clone refresh what Normalization computes with (below).
"""
import os

import activations
from activations import TOLERANCE, rel_diff
from generate import SHORT_NAMES, draw, quiet_tf

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


def start_keras():
    """Keras 3 on TensorFlow, quiet: (keras, numpy), for a script's main()."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    quiet_tf()
    import keras
    import numpy
    return keras, numpy


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


def write_activations(keras, model, path, cases, metadata):
    """The golden activations of a flat functional model, in activations.py's layout, for models its worker does not
    take (several inputs, or open input sizes): every non-input layer's output on each case, `cases` mapping a case
    name to its inputs (a list, in the model's input order), checked against `model.predict`. Each input is stored as
    `inputs/<case>` for a model of one input, `inputs/<input>/<case>` (metadata `inputs`) for several. Returns the
    layer names."""
    import numpy as np
    from safetensors.numpy import save_file
    names = [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    everything = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    outputs = [tensor._keras_history.operation.name for tensor in model.outputs]
    input_names = [tensor._keras_history.operation.name for tensor in model.inputs]
    tensors = {}
    for case, inputs in cases.items():
        batch = len(inputs[0])
        values = dict(zip(names, everything.predict(inputs, batch_size=batch, verbose=0)))
        predicted = model.predict(inputs, batch_size=batch, verbose=0)
        for name, value in zip(outputs, predicted if len(outputs) > 1 else [predicted]):
            if rel_diff(values[name], value) > TOLERANCE:
                raise RuntimeError(f"{case}: {name} differs between the layer route and model.predict")
        for input_name, value in zip(input_names, inputs):
            key = f"inputs/{case}" if len(inputs) == 1 else f"inputs/{input_name}/{case}"
            tensors[key] = np.ascontiguousarray(value, dtype=np.float32)
        for name, value in values.items():
            if not np.all(np.isfinite(value)):
                raise RuntimeError(f"{case}: non-finite values in {name}")
            tensors[f"{name}/{case}"] = np.ascontiguousarray(value, dtype=np.float32)
    fields = {"cases": ",".join(cases), "outputs": ",".join(outputs), "layers": ",".join(names),
              "keras_version": keras.__version__, **metadata}
    if len(input_names) > 1:
        fields["inputs"] = ",".join(input_names)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(tensors, path, metadata=fields)
    return names


def write_model_and_references(name, build):
    """The whole run of a tiny model written at test time (shape_layers.py, grouped_resizing.py), into sys.argv[1]:
    `build(keras_module)` built by Keras 3 with seeded weights and saved as name/k3.keras and name/k3_full.h5, built
    again by tf-keras with the same weights as name/tf_keras_full.h5, every layer's output on the golden cases by
    activations.py's worker, and TensorFlow's gradients by gradients.py's run_case into name_train/."""
    import sys
    import tf_keras
    from gradients import case, run_case
    out = os.path.abspath(sys.argv[1])
    keras, _ = start_keras()
    model = build(keras)
    seed_weights(keras, model)
    directory = os.path.join(out, name)
    os.makedirs(directory, exist_ok=True)
    os.makedirs(os.path.join(out, ".work"), exist_ok=True)      # where the worker leaves its summary
    model.save(os.path.join(directory, "k3.keras"))
    model.save(os.path.join(directory, "k3_full.h5"))
    copy = build(tf_keras)
    for layer in model.layers:
        if layer.weights:
            copy.get_layer(layer.name).set_weights(layer.get_weights())
    copy.save(os.path.join(directory, "tf_keras_full.h5"))
    activations.worker(out, out, [name], {}, {name: "small"})
    run_case(case(f"{name}_train", name), out, out)
