"""What Keras predicts for a few image files, as `zoo predict --json` prints it.

Writes three images into OUT_DIR (an RGB PNG larger than the model input, an RGB JPEG, a grayscale PNG),
then for each prints one JSON line {"image", "shape", "values"}: the model's raw output for
keras.utils.load_img(path, target_size=<model input>, interpolation='nearest') -> img_to_array ->
preprocessing (caffe: keras.applications.vgg16.preprocess_input; rescale: times 1/255; none).

Usage: python predict_reference.py MODEL.keras caffe|rescale|none OUT_DIR
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
from PIL import Image

model_path, preprocess, out_dir = sys.argv[1:4]
rng = np.random.default_rng(7)


def pattern(height, width, channels):
    y, x = np.mgrid[0:height, 0:width]
    planes = [np.sin(x / (6 + 4 * c)) * np.cos(y / (9 + 2 * c)) * 100 + 128 + rng.normal(0, 12, (height, width)) for c in range(channels)]
    return np.clip(np.stack(planes, -1), 0, 255).astype(np.uint8)


images = {
    "larger.png": Image.fromarray(pattern(300, 260, 3), "RGB"),
    "photo.jpg": Image.fromarray(pattern(224, 224, 3), "RGB"),
    "gray.png": Image.fromarray(pattern(180, 200, 1)[..., 0], "L"),
}
model = keras.saving.load_model(model_path, compile=False, safe_mode=False)
height, width = model.input_shape[1:3]
for name, image in images.items():
    path = os.path.join(out_dir, name)
    image.save(path, quality=90) if name.endswith(".jpg") else image.save(path)
    x = keras.utils.img_to_array(keras.utils.load_img(path, target_size=(height, width), interpolation="nearest"))
    if preprocess == "caffe":
        x = keras.applications.vgg16.preprocess_input(x)
    elif preprocess == "rescale":
        x = x * np.float32(1 / 255)
    y = keras.ops.convert_to_numpy(model(np.ascontiguousarray(x[None], dtype=np.float32), training=False))
    print(json.dumps({"image": path, "shape": list(y.shape), "values": [float(v) for v in y.reshape(-1)]}))
