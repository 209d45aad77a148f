"""Writes PNG and JPEG test files of every kind Zoo must read, and what Pillow, Keras and
TensorFlow make of them, into OUT_DIR (the Swift tests pass a temporary directory).

For each readable image NAME it writes:
  NAME.decoded   the pixels Pillow holds after opening (uint8, or little-endian uint16 for "I;16"),
                 converted to L or RGB where Pillow's mode has alpha, a palette or 1-bit samples
  NAME.nearest   float32 keras.utils.load_img(color_mode='rgb', target_size, 'nearest') + img_to_array
  NAME.bilinear  float32 tf.image.resize(img_to_array(load_img(color_mode='rgb')), target_size)
and index.json lists every file with its shape. Damaged files are listed under "corrupt".

For the preprocessing, on every 0...255 value in each channel (preprocess.input, float32, 1x256x3):
  preprocess.rescale  float32 ImageDataGenerator(rescale=1./255).standardize, the notebooks' generator
  preprocess.caffe    float32 keras.applications.vgg16.preprocess_input (RGB to BGR, ImageNet means)
  preprocess.tf       float32 keras.applications.resnet_v2.preprocess_input (x / 127.5 - 1)
  preprocess.torch    float32 keras.applications.densenet.preprocess_input (x / 255, ImageNet means and stds)

Usage: python image_references.py OUT_DIR
"""
import io
import json
import os
import struct
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
from PIL import Image

TARGET = (23, 31)  # (height, width): odd, so that nearest and bilinear both hit uneven steps
rng = np.random.default_rng(2019)


def smooth(height, width, channels, peak):
    """A chest-film-like test pattern: gradients plus noise, covering 0...peak."""
    y, x = np.mgrid[0:height, 0:width]
    planes = []
    for c in range(channels):
        wave = np.sin(x / (5 + 3 * c)) * np.cos(y / (7 + c)) * 0.4 + 0.5 + 0.1 * rng.standard_normal((height, width))
        planes.append(np.clip(wave, 0, 1) * peak)
    image = np.stack(planes, -1).round()
    image.flat[:4] = [0, 1, peak, peak - 1][: image.size]  # the extremes are always present
    return image


def png_bytes(samples, bit_depth, color_type, interlace=False, palette=None, trns=None):
    """A PNG written byte by byte, for the kinds Pillow cannot save (16-bit RGB/RGBA/gray+alpha,
    2- and 4-bit gray, Adam7 interlacing). `samples` is (height, width, channels) of integers."""
    height, width, channels = samples.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    def scanlines(part):
        h, w, _ = part.shape
        rows = []
        for row in part:
            if bit_depth == 16:
                raw = row.astype(">u2").tobytes()
            elif bit_depth == 8:
                raw = row.astype(np.uint8).tobytes()
            else:  # pack 1/2/4-bit samples, most significant first
                values = row.reshape(-1).astype(np.uint8)
                per_byte = 8 // bit_depth
                padded = np.zeros(-(-len(values) // per_byte) * per_byte, np.uint8)
                padded[: len(values)] = values
                grouped = padded.reshape(-1, per_byte)
                shifts = np.arange(per_byte - 1, -1, -1) * bit_depth
                raw = (grouped << shifts).sum(1).astype(np.uint8).tobytes()
            rows.append(b"\x00" + raw)
        return b"".join(rows) if h and w else b""

    if interlace:  # Adam7: seven sub-images, each filtered as its own image
        passes = [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]
        raw = b"".join(scanlines(samples[y0::dy, x0::dx]) for y0, x0, dy, dx in passes)
    else:
        raw = scanlines(samples)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    chunks = chunk(b"IHDR", header)
    if palette is not None:
        chunks += chunk(b"PLTE", bytes(palette))
    if trns is not None:
        chunks += chunk(b"tRNS", trns)
    chunks += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def pillow_bytes(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def readable_images():
    """name -> file bytes, one per kind the issue lists (and the 16-bit kinds with Pillow quirks)."""
    gray8 = smooth(41, 57, 1, 255).astype(np.uint8)
    gray12 = smooth(44, 36, 1, 4095).astype(np.uint16)
    gray12.flat[4:10] = [254, 255, 256, 300, 1000, 4095]  # around the 8-bit clip
    rgb8 = smooth(37, 53, 3, 255).astype(np.uint8)
    rgb16 = (smooth(29, 34, 3, 65535)).astype(np.uint16)
    alpha8 = smooth(37, 53, 1, 255).astype(np.uint8)
    indices = (smooth(33, 45, 1, 15)).astype(np.uint8)
    palette = rng.integers(0, 256, 16 * 3).tolist()
    big = smooth(700, 1000, 1, 255).astype(np.uint8)  # a large downscale, as 3000 -> 224
    return {
        "gray8.png": pillow_bytes(Image.fromarray(gray8[..., 0]), "PNG"),
        "gray16.png": pillow_bytes(Image.fromarray(gray12[..., 0]), "PNG"),
        "gray16_interlaced.png": png_bytes(gray12, 16, 0, interlace=True),
        "gray1.png": png_bytes(gray8 > 128, 1, 0),
        "gray2.png": png_bytes(gray8 >> 6, 2, 0),
        "gray4.png": png_bytes(gray8 >> 4, 4, 0),
        "gray8_trns.png": png_bytes(gray8, 8, 0, trns=struct.pack(">H", int(gray8[0, 0, 0]))),
        "gray_alpha8.png": pillow_bytes(Image.fromarray(np.concatenate([gray8, gray8[::-1]], -1)), "PNG"),
        "gray_alpha16.png": png_bytes(np.concatenate([gray12, gray12[::-1]], -1), 16, 4),
        "rgb8.png": pillow_bytes(Image.fromarray(rgb8), "PNG"),
        "rgb8_interlaced.png": png_bytes(rgb8, 8, 2, interlace=True),
        "rgb16.png": png_bytes(rgb16, 16, 2),
        "rgba8.png": pillow_bytes(Image.fromarray(np.concatenate([rgb8, alpha8], -1)), "PNG"),
        "rgba16.png": png_bytes(np.concatenate([rgb16, rgb16[..., :1]], -1), 16, 6),
        "palette4.png": png_bytes(indices, 4, 3, palette=palette),
        "palette8_trns.png": png_bytes(indices, 8, 3, palette=palette, trns=bytes(range(0, 160, 10))),
        "big_gray8.png": pillow_bytes(Image.fromarray(big[..., 0]), "PNG"),
        "gray.jpg": pillow_bytes(Image.fromarray(gray8[..., 0]), "JPEG", quality=90),
        "rgb420.jpg": pillow_bytes(Image.fromarray(rgb8), "JPEG", quality=85),
        "rgb444.jpg": pillow_bytes(Image.fromarray(rgb8), "JPEG", quality=95, subsampling=0),
        "progressive.jpg": pillow_bytes(Image.fromarray(rgb8), "JPEG", quality=80, progressive=True),
        "big_rgb.jpeg": pillow_bytes(Image.fromarray(smooth(450, 600, 3, 255).astype(np.uint8)), "JPEG", quality=90),
    }


def damaged_images(good):
    png, jpeg = good["rgb8.png"], good["big_rgb.jpeg"]
    flipped = bytearray(png)
    flipped[len(png) // 2] ^= 0xFF
    bomb_header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + bomb_header
    bomb += struct.pack(">I", zlib.crc32(b"IHDR" + bomb_header) & 0xFFFFFFFF)
    return {
        "truncated.png": png[: len(png) // 2],
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "flipped_byte.png": bytes(flipped),
        "signature_only.png": png[:8],
        "empty.png": b"",
        "text.jpg": b"this is not an image\n",
        "bomb.png": bomb,
    }


def pillow_decoded(image, data):
    """Pillow's pixels, as Zoo's decoder returns them: 16 bits only for I;16, and one channel for
    every gray file (Pillow opens 16-bit gray+alpha as RGBA with three equal channels)."""
    if image.mode == "I;16":
        return np.asarray(image).astype("<u2")
    rgb = np.asarray(image.convert("RGB"))
    gray_file = data[:4] == b"\x89PNG" and data[25] in (0, 4) or image.mode == "L"
    if gray_file:
        assert (rgb == rgb[..., :1]).all(), "a gray file with unequal channels"
        return rgb[..., 0]
    return rgb


def preprocessing_references(out_dir):
    import keras
    from keras.src.legacy.preprocessing.image import ImageDataGenerator

    values = np.arange(256, dtype=np.float32)
    x = np.stack([values, 255 - values, (values * 97) % 256], -1)[None]  # channels differ, so an RGB/BGR swap shows
    x.astype("<f4").tofile(os.path.join(out_dir, "preprocess.input"))
    rescaled = ImageDataGenerator(rescale=1. / 255).standardize(x.copy())
    rescaled.astype("<f4").tofile(os.path.join(out_dir, "preprocess.rescale"))
    caffe = keras.applications.vgg16.preprocess_input(x.copy())
    caffe.astype("<f4").tofile(os.path.join(out_dir, "preprocess.caffe"))
    tf_mode = keras.applications.resnet_v2.preprocess_input(x.copy())
    tf_mode.astype("<f4").tofile(os.path.join(out_dir, "preprocess.tf"))
    torch = keras.applications.densenet.preprocess_input(x.copy())
    torch.astype("<f4").tofile(os.path.join(out_dir, "preprocess.torch"))


def main(out_dir):
    import keras
    import tensorflow as tf

    os.makedirs(out_dir, exist_ok=True)
    index = {"target": {"height": TARGET[0], "width": TARGET[1]}, "images": [], "corrupt": [],
             "pillow": Image.__version__ if hasattr(Image, "__version__") else __import__("PIL").__version__}
    good = readable_images()
    for name, data in good.items():
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        with Image.open(path) as image:
            mode = image.mode
            decoded = pillow_decoded(image, data)
        decoded.tofile(path + ".decoded")
        nearest = keras.utils.img_to_array(keras.utils.load_img(path, target_size=TARGET, interpolation="nearest"))
        nearest.astype("<f4").tofile(path + ".nearest")
        gray = keras.utils.img_to_array(keras.utils.load_img(path, color_mode="grayscale", target_size=TARGET,
                                                             interpolation="nearest"))
        gray.astype("<f4").tofile(path + ".gray")
        full = keras.utils.img_to_array(keras.utils.load_img(path))
        bilinear = tf.image.resize(full, TARGET, method="bilinear").numpy()
        bilinear.astype("<f4").tofile(path + ".bilinear")
        index["images"].append({
            "name": name, "pillow_mode": mode, "height": int(decoded.shape[0]), "width": int(decoded.shape[1]),
            "channels": 1 if decoded.ndim == 2 else int(decoded.shape[2]), "bits": 16 if decoded.dtype == np.uint16 else 8,
        })
    for name, data in damaged_images(good).items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        index["corrupt"].append(name)
    preprocessing_references(out_dir)
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
