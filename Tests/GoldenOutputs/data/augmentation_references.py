"""Runs Keras' ImageDataGenerator.apply_transform (keras 3, keras.src.legacy.preprocessing.image)
with fixed parameters on a fixed float32 image, and writes inputs and outputs into OUT_DIR.

  input.f32            the (H, W, 3) float32 image, little-endian
  case_N.f32           apply_transform's output for case N
  cases.json           the parameters, fill mode, cval and centre convention of every case

The "keras_preprocessing_1_1_0" centre convention swaps in the transform_matrix_offset_center of
keras_preprocessing 1.1.0 (offset dim/2 + 0.5), which the notebooks ran; everything else is Keras 3's.

Usage: python augmentation_references.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
from keras.src.legacy.preprocessing import image as legacy

HEIGHT, WIDTH = 29, 41  # not square, so rows and columns cannot be confused


def keras_preprocessing_1_1_0_offset_center(matrix, x, y):
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def cases():
    base = dict(theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0, flip_horizontal=False, flip_vertical=False)
    singles = [
        dict(theta=17.0), dict(theta=-40.0), dict(tx=3.7), dict(ty=-5.2), dict(tx=-2.0, ty=4.0),
        dict(shear=12.0), dict(shear=0.2), dict(zx=0.8, zy=1.2), dict(zx=1.15), dict(flip_horizontal=True),
        dict(flip_vertical=True), dict(flip_horizontal=True, flip_vertical=True),
        dict(theta=4.3, tx=-3.1, ty=2.9, shear=0.01, zx=0.93, zy=1.07, flip_horizontal=True),  # TB-like
        dict(theta=-33.0, tx=5.5, ty=-7.9, shear=-0.17, zx=1.18, zy=0.84, flip_horizontal=True, flip_vertical=True),
    ]
    for fill_mode, cval in (("nearest", 0.0), ("constant", 0.0), ("constant", 77.5)):
        for centre in ("keras3", "keras_preprocessing_1_1_0"):
            for single in singles:
                yield dict(base, **single, fill_mode=fill_mode, cval=cval, centre=centre)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = np.stack([x * 6.0, y * 8.0, (x * y) % 256], -1) + rng.uniform(0, 20, (HEIGHT, WIDTH, 3))
    image = image.astype(np.float32)
    image.tofile(os.path.join(out_dir, "input.f32"))
    original_offset_center = legacy.transform_matrix_offset_center
    written = []
    for number, case in enumerate(cases()):
        legacy.transform_matrix_offset_center = (
            keras_preprocessing_1_1_0_offset_center if case["centre"] != "keras3" else original_offset_center)
        generator = legacy.ImageDataGenerator(fill_mode=case["fill_mode"], cval=case["cval"])
        parameters = {key: case[key] for key in ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")}
        output = generator.apply_transform(image.copy(), parameters)
        assert output.dtype == np.float32 and output.shape == image.shape
        np.ascontiguousarray(output).tofile(os.path.join(out_dir, f"case_{number}.f32"))
        written.append(dict(case, file=f"case_{number}.f32"))
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump({"height": HEIGHT, "width": WIDTH, "channels": 3, "cases": written}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
