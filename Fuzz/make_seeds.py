"""Writes the small seeds the fixtures do not provide: PNGs and JPEGs of every kind the decoder
reads, and the model configs inside the tiny fixtures (Keras 2 from an .h5, Keras 3 from a .keras).
Run once with the pinned Python (Pillow, h5py); its output is committed under Fuzz/Corpus.

    python Fuzz/make_seeds.py"""
import io
import os
import zipfile

import h5py
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "Corpus")
fixtures = os.path.join(here, "..", "Tests", "GoldenOutputs", "fixtures")


def save(folder, name, data):
    with open(os.path.join(corpus, folder, name), "wb") as handle:
        handle.write(data)


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


rgb = Image.new("RGB", (7, 5))
rgb.putdata([(x * 30, y * 50, (x + y) * 20) for y in range(5) for x in range(7)])
save("png", "rgb.png", encoded(rgb, "PNG"))
save("png", "gray.png", encoded(rgb.convert("L"), "PNG"))
save("png", "palette.png", encoded(rgb.convert("P"), "PNG"))
save("png", "rgba_interlaced.png", encoded(rgb.convert("RGBA"), "PNG", interlace=1))
save("png", "gray16.png", encoded(rgb.convert("I;16"), "PNG"))
save("png", "bilevel.png", encoded(rgb.convert("1"), "PNG"))
save("jpeg", "rgb.jpg", encoded(rgb, "JPEG", quality=80))
save("jpeg", "gray.jpg", encoded(rgb.convert("L"), "JPEG"))
save("jpeg", "progressive.jpg", encoded(rgb, "JPEG", progressive=True))
save("jpeg", "subsampled.jpg", encoded(rgb.resize((17, 9)), "JPEG", subsampling=2))

for model in ("tiny_sequential", "tiny_nested"):
    with h5py.File(os.path.join(fixtures, model, "tfk_full.h5"), "r") as h5:
        config = h5.attrs["model_config"]
        save("keras_config", f"{model}.keras2.json", config.encode() if isinstance(config, str) else config)
    with zipfile.ZipFile(os.path.join(fixtures, model, "k3.keras")) as archive:
        save("keras_config", f"{model}.keras3.json", archive.read("config.json"))
