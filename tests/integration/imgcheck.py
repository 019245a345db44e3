#!/usr/bin/python3
"""Independent judge of image files (Pillow), so tests do not trust our own decoders.

  imgcheck.py info FILE            -> "PNG 800x480 RGB"
  imgcheck.py same A B             -> exit 0 when the pixels are identical
  imgcheck.py pixel FILE X Y       -> "r,g,b"
  imgcheck.py differ A B           -> exit 0 when the pixels differ
  imgcheck.py mean FILE            -> mean brightness 0..255
"""
import sys
from PIL import Image


def rgb(path):
    return Image.open(path).convert("RGB")


def main(argv):
    cmd = argv[1]
    if cmd == "info":
        im = Image.open(argv[2])
        im.load()
        print(f"{im.format} {im.width}x{im.height} {im.mode}")
        return 0
    if cmd in ("same", "differ"):
        a, b = rgb(argv[2]), rgb(argv[3])
        same = a.size == b.size and a.tobytes() == b.tobytes()
        return 0 if same == (cmd == "same") else 1
    if cmd == "mean":
        grey = rgb(argv[2]).convert("L")
        print(int(sum(grey.getdata()) / (grey.width * grey.height)))
        return 0
    if cmd == "pixel":
        print("%d,%d,%d" % rgb(argv[2]).getpixel((int(argv[3]), int(argv[4]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
