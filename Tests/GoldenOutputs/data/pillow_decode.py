"""Decodes each FILE with Pillow and writes its pixels (uint8, as Pillow holds them) to FILE.pillow.

Usage: python pillow_decode.py FILE...
"""
import sys

import numpy as np
from PIL import Image

if len(sys.argv) < 2:
    sys.exit(__doc__)
for path in sys.argv[1:]:
    with Image.open(path) as image:
        np.asarray(image).tofile(path + ".pillow")
