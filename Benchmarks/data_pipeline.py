"""Helpers for Benchmarks/data_pipeline.sh (run with the pinned interpreter, ZOO_PYTHON).

  inputs DIR              writes the two benchmark images: a 3000x3000 8-bit grayscale chest-like
                          PNG (Shenzhen's size) and a 600x450 RGB JPEG (HAM10000's size)
  pillow SECONDS FILE...  times Pillow on one thread (best of three rounds of SECONDS), one JSON
                          line per (file, size, variant):
                            keras_load_img: what Keras' load_img + img_to_array do
                                            (convert('RGB') at full size, then NEAREST resize)
                            pillow_resize_first: the fastest Pillow route to the same pixels
                                            (NEAREST resize in the file's mode, then convert)
                            keras_load_img+augment: keras_load_img, then Keras' ImageDataGenerator
                                            random_transform with the notebooks' parameters (TB preset
                                            for PNG, melanoma preset for JPEG)
  report OUT_DIR ZOO_JSONL PILLOW_JSONL
                          prints the Markdown table and writes data_pipeline.md/.csv/.json to
                          OUT_DIR (each through a temporary name and a rename)
"""
import io
import json
import os
import sys
import time

import numpy as np
from PIL import Image

SIZES = (224, 512)


def inputs(directory):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(2019)
    y, x = np.mgrid[0:3000, 0:3000].astype(np.float32)
    body = ((x - 1500) / 1350) ** 2 + ((y - 1650) / 1500) ** 2 < 1
    lungs = (((x - 950) / 450) ** 2 + ((y - 1350) / 850) ** 2 < 1) | (((x - 2050) / 450) ** 2 + ((y - 1350) / 850) ** 2 < 1)
    chest = np.where(body, 150.0, 20.0)
    chest = np.where(lungs, 60 + 25 * np.maximum(0, np.sin(y / 35)) ** 6, chest) + rng.normal(0, 3, (3000, 3000))
    Image.fromarray(np.clip(chest, 0, 255).astype(np.uint8)).save(os.path.join(directory, "chest_3000x3000_8bit.png"))
    y, x = np.mgrid[0:450, 0:600].astype(np.float32)
    skin = np.stack([210 - 0.05 * y, 160 - 0.03 * x, 135 + 0 * x], -1)
    skin[((x - 300) / 110) ** 2 + ((y - 225) / 90) ** 2 < 1] = [120, 80, 60]
    skin += rng.normal(0, 6, skin.shape)
    Image.fromarray(np.clip(skin, 0, 255).astype(np.uint8)).save(os.path.join(directory, "lesion_600x450.jpg"), quality=90)


def keras_load_img(path, size):
    with open(path, "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image.resize((size, size), Image.NEAREST), dtype=np.float32)


def pillow_resize_first(path, size):
    with open(path, "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
    image = image.resize((size, size), Image.NEAREST)
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def notebook_generator(path):
    from keras.src.legacy.preprocessing.image import ImageDataGenerator

    if path.lower().endswith(".png"):  # docs/notebooks.md, "Loading and augmentation": the TB notebooks
        return ImageDataGenerator(rotation_range=5, width_shift_range=0.15, height_shift_range=0.15, shear_range=0.01,
                                  zoom_range=0.1, horizontal_flip=True, fill_mode="nearest")
    return ImageDataGenerator(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2,
                              zoom_range=0.2, horizontal_flip=True, vertical_flip=True, fill_mode="nearest")


def pillow(seconds, files):
    for path in files:
        generator = notebook_generator(path)
        for size in SIZES:
            assert (keras_load_img(path, size) == pillow_resize_first(path, size)).all()
            variants = (("keras_load_img", keras_load_img), ("pillow_resize_first", pillow_resize_first),
                        ("keras_load_img+augment", lambda p, s: generator.random_transform(keras_load_img(p, s))))
            for name, load in variants:
                load(path, size)
                best, total = 0.0, 0
                for _ in range(3):  # best of three rounds, as DataBench does
                    iterations, start = 0, time.perf_counter()
                    while time.perf_counter() - start < seconds:
                        load(path, size)
                        iterations += 1
                    best = max(best, iterations / (time.perf_counter() - start))
                    total += iterations
                print(json.dumps({"file": os.path.basename(path), "size": size, "variant": name,
                                  "images_per_second": best, "iterations": total}), flush=True)


def write_atomically(path, text):
    temporary = f"{path}.{os.getpid()}.tmp"  # matches .gitignore's Benchmarks/results/*.tmp
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def report(out_dir, zoo_path, pillow_path):
    zoo_all = {(r["file"], r["size"], r["variant"]): r for r in map(json.loads, open(zoo_path))}
    zoo = {(file, size): r for (file, size, variant), r in zoo_all.items() if variant == "load"}
    pil = {(r["file"], r["size"], r["variant"]): r for r in map(json.loads, open(pillow_path))}
    rows = []
    for (file, size), z in zoo.items():
        keras, fastest = pil[(file, size, "keras_load_img")], pil[(file, size, "pillow_resize_first")]
        rows.append({
            "input": file, "target": f"{size}x{size}",
            "zoo_images_per_second": round(z["images_per_second"], 1),
            "pillow_keras_load_img_images_per_second": round(keras["images_per_second"], 1),
            "pillow_resize_first_images_per_second": round(fastest["images_per_second"], 1),
            "zoo_vs_keras_load_img": round(z["images_per_second"] / keras["images_per_second"], 2),
            "zoo_vs_pillow_resize_first": round(z["images_per_second"] / fastest["images_per_second"], 2),
            "zoo_with_augmentation_images_per_second": round(zoo_all[(file, size, "load+augment")]["images_per_second"], 1),
            "keras_with_augmentation_images_per_second": round(pil[(file, size, "keras_load_img+augment")]["images_per_second"], 1),
        })
    header = ("| input | target | Zoo img/s | Pillow as load_img img/s | Pillow resize-first img/s "
              "| Zoo / load_img | Zoo / resize-first |\n|---|---|---|---|---|---|---|\n")
    table = header + "".join(
        f"| {r['input']} | {r['target']} | {r['zoo_images_per_second']} | {r['pillow_keras_load_img_images_per_second']} "
        f"| {r['pillow_resize_first_images_per_second']} | {r['zoo_vs_keras_load_img']}x | {r['zoo_vs_pillow_resize_first']}x |\n"
        for r in rows)
    table += ("\n| input | target | Zoo load + augment img/s | Keras load_img + random_transform img/s | ratio |\n"
              "|---|---|---|---|---|\n") + "".join(
        f"| {r['input']} | {r['target']} | {r['zoo_with_augmentation_images_per_second']} "
        f"| {r['keras_with_augmentation_images_per_second']} "
        f"| {r['zoo_with_augmentation_images_per_second'] / r['keras_with_augmentation_images_per_second']:.2f}x |\n"
        for r in rows)
    note = ("\nOne thread each (taskset to one core when available), best of three rounds; read + decode + nearest resize + RGB float32, "
            "the work of Keras' load_img + img_to_array. Ratios above 1 mean Zoo is faster; the goal is at least 0.67 "
            "(within 1.5x of Pillow). Augmentation uses the notebooks' parameters (docs/notebooks.md): the TB set for "
            "the PNG, the melanoma set for the JPEG.\n")
    print(table + note, end="")
    os.makedirs(out_dir, exist_ok=True)
    write_atomically(os.path.join(out_dir, "data_pipeline.md"), "# Image loading: Zoo vs Pillow\n\n" + table + note)
    columns = list(rows[0])
    write_atomically(os.path.join(out_dir, "data_pipeline.csv"),
                     ",".join(columns) + "\n" + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in rows))
    write_atomically(os.path.join(out_dir, "data_pipeline.json"), json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "inputs" and len(sys.argv) == 3:
        inputs(sys.argv[2])
    elif command == "pillow" and len(sys.argv) >= 4:
        pillow(float(sys.argv[2]), sys.argv[3:])
    elif command == "report" and len(sys.argv) == 5:
        report(*sys.argv[2:])
    else:
        sys.exit(__doc__)
