#!/usr/bin/env python3
"""keras.applications' MobileNetV2, Xception, InceptionV3 and EfficientNetB0-B7 as Keras 3 builds them, and their
references, written when the test runs (issue 14's architectures built of its new layers).

    applications_reference.py OUT_DIR [ARCH ...]        ARCH: mobilenetv2, xception, inceptionv3,
                                                        efficientnetb0 ... efficientnetb7

For each architecture, built by keras.applications with the input named `input_1`, as the golden sets' applications
are (EfficientNet as for its ImageNet weights, below; the others with weights=None):

    OUT_DIR/architectures/<arch>.json, <arch>-notop.json   the model configs, with and without the ImageNet top
    OUT_DIR/architectures.json                             [{arch, params, trainable_params, config}], Keras' counts
and, except for EfficientNetB1-B7 (configs only: B0's blocks at other widths and depths),
    OUT_DIR/<arch>_notop/k3.keras                          the base with open input sizes (the registry's -notop
                                                           graph) and seeded weights (test_time_models.py)
    OUT_DIR/<arch>_notop/activations.safetensors           every layer's output on three cases: `image` (the golden
                                                           synthetic picture, preprocessed as the weights expect),
                                                           `normal` and `odd` (standard normal values, the odd case at
                                                           an odd size), at sizes small enough for a test

The full-size weights are not written: the architectures' graphs are compared layer by layer with the registry's,
and their computation is checked on the same graphs at small sizes.

keras.applications builds EfficientNet differently for its ImageNet weights: a third preprocessing layer (a Rescaling
by the inverse square roots of the ImageNet deviations). The registry's graph is that one, the graph the published
files load into, so it is built here with weights="imagenet" and the download and load of the weights stubbed out.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_time_models import seed_weights, start_keras, write_activations    # noqa: E402
from activations import SEED, make_input                        # noqa: E402

# arch -> (keras.applications constructor, input size with the top, preprocessing of the image case, the small test
# sizes (square, odd) or None for configs only)
APPLICATIONS = {
    "mobilenetv2": ("MobileNetV2", 224, "tf", ((64, 64), (67, 61))),
    "xception": ("Xception", 299, "tf", ((75, 75), (83, 77))),
    # 75x75, the smallest keras.applications accepts, leaves mixed9 and mixed10 1x1; at 115x107 they are 2x2, so their
    # 1x3, 3x1 and 3x3 'same' convolutions read off-centre taps too.
    "inceptionv3": ("InceptionV3", 299, "tf", ((75, 75), (115, 107))),
    "efficientnetb0": ("EfficientNetB0", 224, "none", ((64, 64), (67, 61))),
} | {f"efficientnetb{v}": (f"EfficientNetB{v}", size, "none", None)
     for v, size in enumerate([240, 260, 300, 380, 456, 528, 600], start=1)}


def build(keras, arch, include_top):
    constructor, size, _, _ = APPLICATIONS[arch]
    return construct(keras, constructor, include_top, (size, size, 3) if include_top else (None, None, 3))


def construct(keras, constructor, include_top, shape):
    """keras.applications' `constructor` in a fresh session, the input named `input_1`, as the registry's graph is:
    EfficientNet as for its ImageNet weights (their download and load stubbed out), the others with weights=None."""
    keras.backend.clear_session()      # Keras numbers unnamed layers per session: conv2d, conv2d_1, ...
    arguments = {"include_top": include_top, "input_tensor": keras.Input(shape, name="input_1")}
    if not constructor.startswith("EfficientNet"):
        return getattr(keras.applications, constructor)(weights=None, **arguments)
    from keras.src.utils import file_utils
    get_file, load_weights = file_utils.get_file, keras.Model.load_weights
    file_utils.get_file = lambda *_, **__: "weights-not-downloaded.h5"
    keras.Model.load_weights = lambda *_, **__: None
    try:
        return getattr(keras.applications, constructor)(weights="imagenet", **arguments)
    finally:
        file_utils.get_file, keras.Model.load_weights = get_file, load_weights


def main():
    out = os.path.abspath(sys.argv[1])
    keras, np = start_keras()
    index = []
    os.makedirs(os.path.join(out, "architectures"), exist_ok=True)
    for arch in sys.argv[2:] or ["mobilenetv2", "xception", "inceptionv3", "efficientnetb0"]:
        for include_top in (True, False):
            model = build(keras, arch, include_top)
            name = arch if include_top else f"{arch}-notop"
            with open(os.path.join(out, "architectures", f"{name}.json"), "w") as handle:
                handle.write(model.to_json())
            index.append({"arch": name, "params": int(model.count_params()), "config": f"architectures/{name}.json",
                          "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights))})
        _, _, preprocess, sizes = APPLICATIONS[arch]
        if sizes is None:
            print(f"    {arch}: {index[-2]['params']:,} / {index[-1]['params']:,} params, configs only")
            continue
        seed_weights(keras, model)      # the base, as built last
        directory = os.path.join(out, f"{arch}_notop")
        os.makedirs(directory, exist_ok=True)
        model.save(os.path.join(directory, "k3.keras"))
        square, odd = sizes
        cases = {"image": [make_input("image", square + (3,), preprocess)],
                 "normal": [make_input("normal", square + (3,), "none")],
                 "odd": [make_input("odd", odd + (3,), "none")]}
        layers = write_activations(keras, model, os.path.join(directory, "activations.safetensors"), cases,
                                   {"model": f"{arch}_notop", "checkpoint": f"{arch}_notop/k3.keras", "preprocess": preprocess,
                                    "seed": str(SEED)})
        print(f"    {arch}: {index[-2]['params']:,} / {index[-1]['params']:,} params, {len(layers)} layers checked")
    with open(os.path.join(out, "architectures.json"), "w") as handle:
        json.dump(index, handle)


if __name__ == "__main__":
    main()
