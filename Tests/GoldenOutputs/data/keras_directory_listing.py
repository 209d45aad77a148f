"""Lists a class-folder directory the way Keras' flow_from_directory does and writes the result
as JSON: class_indices, and filenames (relative, "/"-separated) with their class index, in Keras'
order. The Swift test compares Zoo's DatasetReader with it.

Usage: python keras_directory_listing.py DIRECTORY OUT_JSON
"""
import json
import sys

from keras.src.legacy.preprocessing.image import ImageDataGenerator


def main(directory, out_path):
    iterator = ImageDataGenerator().flow_from_directory(directory, shuffle=False, class_mode="categorical")
    listing = {
        "class_indices": iterator.class_indices,
        "files": [{"path": name.replace("\\", "/"), "label": int(label)}
                  for name, label in zip(iterator.filenames, iterator.classes)],
    }
    with open(out_path, "w") as f:
        json.dump(listing, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
