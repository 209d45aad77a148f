#!/usr/bin/env python3
"""The ImageNet weight files keras.applications downloads, as the pinned Keras 3 asks for them: for each architecture
the registry knows, with and without its top, the file name, URL and hash that `get_file` receives when the model is
built with weights="imagenet" (the download and the load stubbed out, so nothing is fetched; EfficientNetB1-B7 from
the table their module builds the request from).

    published_weights.py OUT_DIR        writes OUT_DIR/published_weights.json:
                                        {registry name: {"fname", "origin", "file_hash"} or null}

null marks an architecture Keras loads no ImageNet file for. A `file_hash` of null is a file Keras downloads without
checking it (MobileNetV2's).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_time_models import start_keras    # noqa: E402

# registry name (without -notop) -> keras.applications constructor. EfficientNetB1-B7 are read from the table their
# module builds B0's request from (checked against B0's): building those graphs takes minutes.
CONSTRUCTORS = {"vgg16": "VGG16", "vgg19": "VGG19", "resnet50": "ResNet50", "resnet101": "ResNet101",
                "resnet152": "ResNet152", "resnet50v2": "ResNet50V2", "densenet121": "DenseNet121",
                "densenet169": "DenseNet169", "densenet201": "DenseNet201", "mobilenetv2": "MobileNetV2",
                "xception": "Xception", "inceptionv3": "InceptionV3", "efficientnetb0": "EfficientNetB0"}


def efficientnet_request(variant, include_top):
    """What keras/src/applications/efficientnet.py asks get_file for (its `BASE_WEIGHTS_PATH` and `WEIGHTS_HASHES`)."""
    from keras.src.applications import efficientnet
    fname = f"efficientnet{variant}" + ("" if include_top else "_notop") + ".h5"
    return {"fname": fname, "origin": efficientnet.BASE_WEIGHTS_PATH + fname,
            "file_hash": efficientnet.WEIGHTS_HASHES[variant[-2:]][0 if include_top else 1]}


def main():
    out = os.path.abspath(sys.argv[1])
    keras, _ = start_keras()
    from keras.src.utils import file_utils
    requests = []

    def get_file(fname=None, origin=None, file_hash=None, **_):
        requests.append({"fname": fname, "origin": origin, "file_hash": file_hash})
        return "weights-not-downloaded.h5"

    # Each application module imported file_utils itself; patching the module's attribute reaches them all.
    file_utils.get_file = get_file
    keras.Model.load_weights = lambda *_, **__: None
    published = {}
    for name, constructor in CONSTRUCTORS.items():
        for include_top in (True, False):
            keras.backend.clear_session()
            requests.clear()
            getattr(keras.applications, constructor)(weights="imagenet", include_top=include_top,
                                                     input_shape=None if include_top else (224, 224, 3))
            if len(requests) > 1:
                raise SystemExit(f"{constructor}: {len(requests)} files requested, expected one")
            published[name if include_top else f"{name}-notop"] = requests[0] if requests else None
    for include_top in (True, False):
        if efficientnet_request("b0", include_top) != published["efficientnetb0" if include_top else "efficientnetb0-notop"]:
            raise SystemExit("EfficientNetB0 requested another file than efficientnet.py's table gives")
        for variant in range(1, 8):
            published[f"efficientnetb{variant}" + ("" if include_top else "-notop")] = efficientnet_request(f"b{variant}", include_top)
    with open(os.path.join(out, "published_weights.json"), "w") as handle:
        json.dump(published, handle, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
