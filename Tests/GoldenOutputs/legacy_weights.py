#!/usr/bin/env python3
"""Weights-only files in the layout of the published keras.applications files, and what Keras 3 loads from them,
written when the test runs (PublishedWeightsTests.publishedLayoutConvertsAsKerasLoadsIt).

    legacy_weights.py OUT_DIR [ARCH ...]        ARCH: a registry name without -notop (default: one of each family, FAMILIES)

The ImageNet files `zoo fetch` downloads were written by Keras 2's `save_weights` to `.h5`: the legacy layout, which
Keras 3 loads by the order of the layers that have weights, not by their names (the files' automatic names, such as
InceptionV3's `conv2d_1`, are not Keras 3's). Those files cannot be downloaded here. For each architecture this writes

    OUT_DIR/<arch>/legacy.h5     tf-keras `save_weights` of the convolutional base (include_top=False), every weight
                                 given distinct seeded values, so that a weight read in the wrong place changes a value
    OUT_DIR/<arch>/k3.keras      the base as Keras 3 builds it for the registry (EfficientNet as for its ImageNet
                                 weights), after Keras 3's own `load_weights` of legacy.h5

so a conversion of legacy.h5 with `--arch <arch>-notop` must give exactly the tensors Keras 3 holds in k3.keras. The
bases are full width (the registry's graphs are), at any input size, and the tops add only a Dense layer.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from published_weights import CONSTRUCTORS    # noqa: E402

# One architecture per family of definitions: ResNet101 and ResNet152 are ResNet50's stages repeated, DenseNet169 and
# DenseNet201 DenseNet121's blocks, EfficientNetB1-B7 B0's blocks at other widths and depths.
FAMILIES = ["resnet50", "resnet50v2", "densenet121", "mobilenetv2", "xception", "inceptionv3", "efficientnetb0"]


def write_legacy(out, archs):
    """tf-keras (run with TF_USE_LEGACY_KERAS=1): each base with seeded weights, saved as Keras 2 saved them."""
    import numpy as np
    import tf_keras as K
    rng = np.random.default_rng(20261207)
    for arch in archs:
        K.backend.clear_session()
        model = getattr(K.applications, CONSTRUCTORS[arch])(weights=None, include_top=False, input_shape=(None, None, 3))
        for layer in model.layers:
            # Positive values everywhere (a variance must be), different in every tensor and every element.
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in layer.get_weights()])
        os.makedirs(os.path.join(out, arch), exist_ok=True)
        model.save_weights(os.path.join(out, arch, "legacy.h5"))


def main():
    out = os.path.abspath(sys.argv[1])
    archs = sys.argv[2:] or FAMILIES
    unknown = [arch for arch in archs if arch not in CONSTRUCTORS]
    if unknown:
        raise SystemExit(f"unknown architectures {unknown}; known: {', '.join(CONSTRUCTORS)}")
    # tf-keras and Keras 3 cannot share a process: TF_USE_LEGACY_KERAS decides which one tf.keras is.
    subprocess.run([sys.executable, __file__, "--tf-keras", out] + archs, check=True,
                   env=os.environ | {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"})

    from applications_reference import construct
    from test_time_models import start_keras
    keras, _ = start_keras()
    for arch in archs:
        model = construct(keras, CONSTRUCTORS[arch], include_top=False, shape=(None, None, 3))
        model.load_weights(os.path.join(out, arch, "legacy.h5"))
        model.save(os.path.join(out, arch, "k3.keras"))
        print(f"    {arch}: {model.count_params():,} params loaded from legacy.h5")


if __name__ == "__main__":
    if sys.argv[1] == "--tf-keras":
        write_legacy(os.path.abspath(sys.argv[2]), sys.argv[3:])
    else:
        main()
