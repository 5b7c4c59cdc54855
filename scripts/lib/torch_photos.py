"""PyTorch reference for scripts/bench-photos.sh (io.sparkcnn.bench.PhotoBench): ResNet-18 trained on the photo
lake one epoch at a time on command, so that its epochs interleave with spark-cnn's on the same machine.

The same network as spark-cnn's resnet18 (torchvision's, with the stem spark-cnn uses: the ImageNet stem, or
a stride-1 3x3 convolution without max pooling for "small"; zero-initialised last batch norm of each residual
branch), the same images (every file of LAKE/train and LAKE/test, decoded with PIL: shorter side resized to SIZE,
centre crop), the same augmentation (random-resized crop of CROP_SCALE-1 of the area, aspect 3:4-4:3, and a
horizontal flip, on the decoded image), the same minibatch across workers (BATCH), Adam at the same learning
rate, cross-entropy. The images are decoded once into memory before the first epoch and augmented as tensors
(the fastest way PyTorch can be fed on two cores: no decoding in the loop); SETTING "cached-channels-last"
also runs the network in channels-last memory format.

Commands on standard input, one JSON line out for each:
  epoch        train one epoch in a random order: {"seconds", "images", "accuracy"} (held-out accuracy; its
               evaluation is not timed)
  decode N     decode + augment the first N training files with PIL on one thread: {"imagesPerSecond"}
  rss          {"peakRssBytes"} of this process
Usage: torch_photos.py LAKE SIZE STEM BATCH LEARNING_RATE CROP_SCALE THREADS SETTING
"""
import glob
import json
import os
import resource
import sys
import time

import torch
from PIL import Image
from torch import nn
from torchvision.transforms import functional as F
from torchvision.transforms import RandomResizedCrop

from torch_bench import resnet18


def files(root):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    out = []
    for label, name in enumerate(classes):
        out += [(path, label) for path in sorted(glob.glob(os.path.join(root, name, "*")))]
    return out, classes


def decoded(path, size):
    """PIL's decode as spark-cnn's centre-crop: shorter side to SIZE (bilinear), the centre SIZE x SIZE."""
    image = Image.open(path).convert("RGB")
    image = F.center_crop(F.resize(image, size, interpolation=F.InterpolationMode.BILINEAR), [size, size])
    return F.pil_to_tensor(image)


def augmented(image, size, scale):
    i, j, h, w = RandomResizedCrop.get_params(image, scale=[scale, 1.0], ratio=[3 / 4, 4 / 3])
    image = F.resized_crop(image, i, j, h, w, [size, size], antialias=False)
    return F.hflip(image) if torch.rand(1).item() < 0.5 else image


def main():
    lake, size, stem, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rate, scale, threads, setting = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    train_files, classes = files(os.path.join(lake, "train"))
    test_files, _ = files(os.path.join(lake, "test"))
    start = time.perf_counter()
    x = torch.stack([decoded(p, size) for p, _ in train_files])
    y = torch.tensor([label for _, label in train_files])
    tx = torch.stack([decoded(p, size) for p, _ in test_files])
    ty = torch.tensor([label for _, label in test_files])
    mean = x.float().mean(dim=(0, 2, 3), keepdim=True) / 255
    std = x.float().std(dim=(0, 2, 3), keepdim=True) / 255
    print(f"torch_photos.py: decoded {len(x) + len(tx)} images in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    net = resnet18(len(classes), stem)
    channels_last = setting == "cached-channels-last"
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    optimiser = torch.optim.Adam(net.parameters(), lr=rate)
    loss = nn.CrossEntropyLoss()

    def prepared(images):
        out = (images.float() / 255 - mean) / std
        return out.contiguous(memory_format=torch.channels_last) if channels_last else out

    for line in sys.stdin:
        command = line.split()
        if command == ["epoch"]:
            order = torch.randperm(len(x))
            net.train()
            start = time.perf_counter()
            for i in range(0, len(x), batch):
                chosen = order[i:i + batch]
                xb = prepared(torch.stack([augmented(x[k], size, scale) for k in chosen.tolist()]))
                optimiser.zero_grad()
                loss(net(xb), y[chosen]).backward()
                optimiser.step()
            seconds = time.perf_counter() - start
            net.eval()
            with torch.no_grad():
                correct = sum(int((net(prepared(tx[i:i + 128])).argmax(1) == ty[i:i + 128]).sum())
                              for i in range(0, len(tx), 128))
            print(json.dumps({"seconds": seconds, "images": len(x), "accuracy": correct / len(tx)}), flush=True)
        elif len(command) == 2 and command[0] == "decode":
            count = min(int(command[1]), len(train_files))
            torch.set_num_threads(1)
            start = time.perf_counter()
            for path, _ in train_files[:count]:
                F.convert_image_dtype(augmented(decoded(path, size), size, scale), torch.float)
            seconds = time.perf_counter() - start
            torch.set_num_threads(threads)
            print(json.dumps({"imagesPerSecond": count / seconds}), flush=True)
        elif command == ["rss"]:
            print(json.dumps({"peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), flush=True)
        else:
            raise SystemExit(f"torch_photos.py: unknown command {line.strip()!r}")


if __name__ == "__main__":
    main()
