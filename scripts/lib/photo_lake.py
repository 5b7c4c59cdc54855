"""Builds the photo lake of scripts/bench-photos.sh from real photographs that Debian packages ship: the nature
set of mate-backgrounds (12 photographs, 1280-2560 px) and the colour sample photos of python3-skimage.

Each class is one photograph; each image of a class is a window cut from it (a random 12-45% of its shorter
side, aspect 3:4 to 4:3, at a random place), resized so that its longer side is 160-320 px and saved as a
JPEG of quality 75-95: what a folder of photos of a few scenes looks like, at the sizes phones' thumbnails
and web crawls hold. Training and held-out images are separate draws. Deterministic for a seed.

Writes LAKE/{train,test}/<class>/<n>.jpg and LAKE/lake.json (counts, bytes, sources); does nothing when
LAKE/lake.json already describes the same request.
Usage: photo_lake.py LAKE CLASSES TRAIN_PER_CLASS TEST_PER_CLASS [SEED]
"""
import glob
import json
import os
import random
import shutil
import sys

from PIL import Image

NATURE = "/usr/share/backgrounds/mate/nature/"
SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data/"
# skimage's colour photographs of at least 400 px (its other files are greyscale, synthetic or tiny).
SKIMAGE_PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "retina.jpg",
                  "hubble_deep_field.jpg", "ihc.png"]


def sources():
    photos = sorted(glob.glob(NATURE + "*.jpg")) + [SKIMAGE + f for f in SKIMAGE_PHOTOS if os.path.exists(SKIMAGE + f)]
    if not photos:
        raise SystemExit(f"photo_lake.py: no photographs in {NATURE} or {SKIMAGE} "
                         "(Debian's mate-backgrounds and python3-skimage)")
    return photos


def cut(photo, rng):
    w, h = photo.size
    side = min(w, h) * rng.uniform(0.12, 0.45)
    aspect = rng.uniform(3 / 4, 4 / 3)
    cw, ch = min(w, int(side * aspect ** 0.5)), min(h, int(side / aspect ** 0.5))
    x, y = rng.randrange(w - cw + 1), rng.randrange(h - ch + 1)
    longer = rng.randint(160, 320)
    scale = longer / max(cw, ch)
    size = (max(1, round(cw * scale)), max(1, round(ch * scale)))
    return photo.crop((x, y, x + cw, y + ch)).resize(size, Image.BILINEAR)


def main():
    lake, classes, train, test = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 42
    request = {"classes": classes, "trainPerClass": train, "testPerClass": test, "seed": seed}
    manifest = os.path.join(lake, "lake.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            if json.load(f).get("request") == request:
                return
    photos = sources()
    if classes > len(photos):
        raise SystemExit(f"photo_lake.py: {classes} classes asked, {len(photos)} photographs available")
    shutil.rmtree(lake, ignore_errors=True)
    rng = random.Random(seed)
    total, names = {"train": 0, "test": 0}, []
    for source in photos[:classes]:
        name = os.path.splitext(os.path.basename(source))[0].lower()
        names.append(name)
        photo = Image.open(source).convert("RGB")
        for split, count in (("train", train), ("test", test)):
            folder = os.path.join(lake, split, name)
            os.makedirs(folder)
            for n in range(count):
                path = os.path.join(folder, f"{n:05d}.jpg")
                cut(photo, rng).save(path, "JPEG", quality=rng.randint(75, 95))
                total[split] += os.path.getsize(path)
        print(f"photo_lake.py: {name}: {train} + {test} images", file=sys.stderr)
    with open(manifest, "w") as f:
        json.dump({"request": request, "classes": names, "sources": photos[:classes], "bytes": total}, f, indent=1)


if __name__ == "__main__":
    main()
