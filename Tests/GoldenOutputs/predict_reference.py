"""What Keras predicts for a few image files, as `zoo predict --json --raw` prints it.

Writes three images into OUT_DIR (an RGB PNG larger than the model input, an RGB JPEG, a grayscale PNG),
then for each prints one JSON line {"image", "shape", "values"}: the model's raw output for
keras.utils.load_img(path, target_size=<model input>, interpolation='nearest') -> img_to_array ->
preprocessing (caffe: keras.applications.vgg16.preprocess_input; tf: resnet_v2's; torch: densenet's;
rescale: times 1/255; none).

--logits OUT.keras: with random weights a softmax head saturates to exact 0 and 1, which hides everything
  but the predicted class. The model's final softmax is made linear, the model saved to OUT.keras (for Zoo
  to convert), and its logits printed instead.
--sixteen-bit BITS: instead of the three images, one 16-bit grayscale PNG of the model's input size holding
  BITS-bit values (a Montgomery-like X-ray), printed twice: as Keras loads it (Pillow clips every value
  above 255 to 255), then scaled from its significant bits, value * 255 / (2^BITS - 1), as
  `zoo predict --sixteen-bit BITS` reads it.

Usage: python predict_reference.py MODEL.keras caffe|tf|torch|rescale|none OUT_DIR [--logits OUT.keras] [--sixteen-bit BITS]
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
from PIL import Image

parser = argparse.ArgumentParser(usage=__doc__)
parser.add_argument("model")
parser.add_argument("preprocess", choices=["caffe", "tf", "torch", "rescale", "none"])
parser.add_argument("out_dir")
parser.add_argument("--logits")
parser.add_argument("--sixteen-bit", type=int)
args = parser.parse_args()
rng = np.random.default_rng(7)


def pattern(height, width, channels, peak=255):
    y, x = np.mgrid[0:height, 0:width]
    planes = [np.sin(x / (6 + 4 * c)) * np.cos(y / (9 + 2 * c)) * 100 + 128 + rng.normal(0, 12, (height, width)) for c in range(channels)]
    return np.clip(np.stack(planes, -1) * (peak / 255), 0, peak)


def preprocessed(x):
    if args.preprocess == "caffe":
        return keras.applications.vgg16.preprocess_input(x)
    if args.preprocess == "tf":
        return keras.applications.resnet_v2.preprocess_input(x)
    if args.preprocess == "torch":
        return keras.applications.densenet.preprocess_input(x)
    if args.preprocess == "rescale":
        return x * np.float32(1 / 255)
    return x


def print_prediction(path, x):
    y = keras.ops.convert_to_numpy(model(np.ascontiguousarray(preprocessed(x)[None], dtype=np.float32), training=False))
    print(json.dumps({"image": path, "shape": list(y.shape), "values": [float(v) for v in y.reshape(-1)]}))


model = keras.saving.load_model(args.model, compile=False, safe_mode=False)
if args.logits:
    head = model.layers[-1]
    if keras.activations.serialize(head.activation) != "softmax":
        raise SystemExit(f"{args.model}: the final layer {head.name} has no softmax to remove")
    head.activation = keras.activations.linear
    model.save(args.logits)
height, width = model.input_shape[1:3]

if args.sixteen_bit:
    path = os.path.join(args.out_dir, "xray16.png")
    samples = pattern(height, width, 1, peak=2 ** args.sixteen_bit - 1)[..., 0].astype(np.uint16)
    Image.fromarray(samples).save(path)
    print_prediction(path, keras.utils.img_to_array(keras.utils.load_img(path, target_size=(height, width), interpolation="nearest")))
    scaled = np.minimum(samples.astype(np.float64) * 255 / (2 ** args.sixteen_bit - 1), 255).astype(np.float32)
    print_prediction(path, np.repeat(scaled[..., None], 3, axis=-1))
else:
    images = {
        "larger.png": Image.fromarray(pattern(300, 260, 3).astype(np.uint8), "RGB"),
        "photo.jpg": Image.fromarray(pattern(224, 224, 3).astype(np.uint8), "RGB"),
        "gray.png": Image.fromarray(pattern(180, 200, 1)[..., 0].astype(np.uint8), "L"),
    }
    for name, image in images.items():
        path = os.path.join(args.out_dir, name)
        image.save(path, quality=90) if name.endswith(".jpg") else image.save(path)
        print_prediction(path, keras.utils.img_to_array(keras.utils.load_img(path, target_size=(height, width), interpolation="nearest")))
