"""What Keras itself makes of a saved model's training attributes, the reference for Zoo's graph.

    keras_training.py --keras {3,2} FILE...

Loads each full-model file with Keras 3 (`--keras 3`: .keras and Keras 3 .h5) or tf-keras (`--keras 2`:
tf-keras .h5), without compiling, and prints one JSON object per file on its own line:
    {"file", "params", "trainable_params",
     "layers": [{"name", "class", "params", "trainable_params", "momentum"?, "rate"?, "stddev"?,
                 "objects": {"kernel_initializer": {"class": "GlorotUniform", ...config}, ...}}]}
over the leaf layers (nested models flattened). A layer's `trainable_params` counts its weights found
in `model.trainable_weights`, so it is the effective trainability: enclosing models included.
"""
import argparse
import json
import os
import sys

from generate import leaf_layers, trainable_count

OBJECT_ATTRIBUTES = [
    "kernel_initializer", "bias_initializer", "gamma_initializer", "beta_initializer",
    "moving_mean_initializer", "moving_variance_initializer",
    "kernel_regularizer", "bias_regularizer", "activity_regularizer", "gamma_regularizer", "beta_regularizer",
    "kernel_constraint", "bias_constraint", "gamma_constraint", "beta_constraint",
]
SCALAR_ATTRIBUTES = ["momentum", "rate", "stddev"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras", choices=["2", "3"], required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if args.keras == "2":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as K
        load = lambda path: K.models.load_model(path, compile=False)
    else:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import keras as K
        K.config.enable_unsafe_deserialization()      # the attention model's RescaleGAP Lambda
        load = lambda path: K.models.load_model(path, compile=False, safe_mode=False)
    import numpy as np

    def size(weight):
        return int(np.prod(weight.shape))

    def serialized(value):
        config = K.utils.serialize_keras_object(value)
        fields = {k: v for k, v in (config.get("config") or {}).items() if v is not None}
        fields["class"] = config["class_name"]
        return fields

    for path in args.files:
        model = load(path)
        trainable = {id(w) for w in model.trainable_weights}
        layers = []
        for layer in leaf_layers(K, model):
            entry = {
                "name": layer.name,
                "class": type(layer).__name__,
                "params": sum(size(w) for w in layer.weights),
                "trainable_params": sum(size(w) for w in layer.weights if id(w) in trainable),
                "objects": {},
            }
            for key in SCALAR_ATTRIBUTES:
                if isinstance(getattr(layer, key, None), (int, float)):
                    entry[key] = float(getattr(layer, key))
            for key in OBJECT_ATTRIBUTES:
                if getattr(layer, key, None) is not None:
                    entry["objects"][key] = serialized(getattr(layer, key))
            layers.append(entry)
        print(json.dumps({
            "file": path,
            "params": int(model.count_params()),
            "trainable_params": trainable_count(model),
            "layers": layers,
        }), flush=True)
        del model
        K.backend.clear_session()


if __name__ == "__main__":
    sys.exit(main())
