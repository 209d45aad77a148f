"""Copies the split files that Idiap's mednet publishes for Montgomery and Shenzhen, exactly as its
PyPI wheel ships them, into OUT_DIR (the Swift tests pass a temporary directory):
  montgomery-default.json  mednet/config/classify/data/montgomery/default.json
  montgomery-fold-0.json   mednet/config/classify/data/montgomery/fold-0.json
  shenzhen-default.json    mednet/config/classify/data/shenzhen/default.json

The wheel (mednet 2.1.0, 14.7 MB, GPL-3.0) is downloaded once with this interpreter's pip into
~/.cache/zoo/mednet-2.1.0/ and checked against its SHA-256; it is never committed.

Usage: python mednet_splits.py OUT_DIR
"""
import hashlib
import os
import subprocess
import sys
import zipfile

VERSION = "2.1.0"
WHEEL = f"mednet-{VERSION}-py3-none-any.whl"
SHA256 = "dfd6d690b28c583a4039358dfca7ee2b359b8347a799b4639d7fb3c6c8cb0724"
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "zoo", f"mednet-{VERSION}")
FILES = {
    "montgomery-default.json": "mednet/config/classify/data/montgomery/default.json",
    "montgomery-fold-0.json": "mednet/config/classify/data/montgomery/fold-0.json",
    "shenzhen-default.json": "mednet/config/classify/data/shenzhen/default.json",
}


def wheel():
    path = os.path.join(CACHE, WHEEL)
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", f"mednet=={VERSION}", "--no-deps", "--only-binary", ":all:", "-d", CACHE],
            capture_output=True, text=True)
        if result.returncode != 0 or not os.path.exists(path):
            sys.exit(f"cannot download {WHEEL} from PyPI ({result.stderr.strip()[-500:]}).\n"
                     f"Fix: connect to the network and rerun, or put {WHEEL} (from https://pypi.org/project/mednet/{VERSION}/) in {CACHE}/")
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{path}: SHA-256 {digest}, expected {SHA256}. Fix: delete it and rerun to download it again")
    return path


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with zipfile.ZipFile(wheel()) as archive:
        for name, member in FILES.items():
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(archive.read(member))


if __name__ == "__main__":
    main(sys.argv[1])
