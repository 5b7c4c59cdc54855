"""PyTorch reference for scripts/bench-core.sh: the same network, data and protocol as CoreBench, so the two
run side by side, interleaved, on the same machine (figures from different CPUs do not compare).

Same protocol as io.sparkcnn.bench.CoreBench: the first 10,000 Fashion-MNIST training images scaled to
[0, 1], minibatches of 32 with Adam 1e-3 and the negative log-likelihood of a softmax, 2 s of warm-up, then
training timed for SECONDS and inference (batch 256, eval mode, no gradients) for max(1, SECONDS / 2).
FLOPs per image are counted as CoreBench counts them (convolution and dense layers, a multiply-add = 2,
training = 3x the forward pass). Prints one JSON line.

MODEL as CoreBench takes it: seed-cnn, deep-cnn, or ARCH@CxHxW[:STEM] (resnet18, mobilenet-v2; torchvision's
networks with spark-cnn's stems) on the images scaled and repeated over the channels as CoreBench does.
Usage: torch_bench.py MODEL SECONDS SETTING THREADS, with SETTING as-installed or tuned (the environment the
script gives it decides the rest: BLAS threads, malloc), or tuned-channels-last (tuned, with the input and
the network in channels-last memory format).
"""
import gzip
import json
import os
import struct
import sys
import time

import torch
from torch import nn

ROOT = "/usr/share/datasets/fashion-mnist/"


def idx(name, magic_expected, header, count=None):
    """An IDX file's header fields and its first count records (all when None) as uint8."""
    with gzip.open(ROOT + name, "rb") as f:
        fields = struct.unpack(">" + "I" * header, f.read(4 * header))
        if fields[0] != magic_expected:
            raise SystemExit(f"{ROOT + name}: not an IDX file of this kind (magic {fields[0]})")
        record = 1
        for size in fields[2:]:
            record *= size
        data = f.read(-1 if count is None else count * record)
    return fields, torch.frombuffer(bytearray(data), dtype=torch.uint8)


def images(name, count=None):
    """Images scaled to [0, 1], shape (count, 1, rows, cols)."""
    (_, total, rows, cols), data = idx(name, 2051, 4, count)
    return data.float().div_(255).reshape(total if count is None else count, 1, rows, cols)


def labels(name, count=None):
    _, data = idx(name, 2049, 2, count)
    return data.long()


def load(count):
    return images("train-images-idx3-ubyte.gz", count), labels("train-labels-idx1-ubyte.gz", count)


def seed_cnn():
    """Architectures.seedCnn: conv 32 3x3 (no padding) ReLU, max-pool 2x2, dense softmax."""
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(32 * 13 * 13, 10), nn.LogSoftmax(dim=1))


def deep_cnn():
    """Architectures.deepCnn: three blocks of conv 3x3 (same padding), batch norm, ReLU, max-pool 2x2; dense
    128 ReLU with dropout 0.5; dense softmax."""
    layers, channels = [], 1
    for filters in (32, 64, 128):
        layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.BatchNorm2d(filters), nn.ReLU(), nn.MaxPool2d(2)]
        channels = filters
    layers += [nn.Flatten(), nn.Linear(128 * 3 * 3, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
               nn.LogSoftmax(dim=1)]
    return nn.Sequential(*layers)


def resnet18(classes, stem):
    """PhotoNetworks' resnet18 as torchvision builds it; the small stem: a stride-1 3x3 convolution, no pooling."""
    import torchvision
    net = torchvision.models.resnet18(num_classes=classes, zero_init_residual=True)
    if stem == "small":
        net.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        net.maxpool = nn.Identity()
    return net


def mobilenet_v2(classes, stem):
    """PhotoNetworks' mobilenet-v2 as torchvision builds it; the small stem keeps the stem and the first
    24-channel block at stride 1."""
    import torchvision
    net = torchvision.models.mobilenet_v2(num_classes=classes)
    if stem == "small":
        net.features[0][0].stride = (1, 1)
        net.features[2].conv[1][0].stride = (1, 1)
    return nn.Sequential(net, nn.LogSoftmax(dim=1))


def network(spec):
    """MODEL as CoreBench reads it: ARCH, or ARCH@CxHxW[:STEM]; returns (network, (C, H, W))."""
    name, _, stem = spec.partition(":")
    arch, _, shape = name.partition("@")
    chw = tuple(int(v) for v in shape.split("x")) if shape else (1, 28, 28)
    if not stem:
        stem = "imagenet" if min(chw[1:]) >= 128 else "small"
    if arch == "resnet18":
        return nn.Sequential(resnet18(10, stem), nn.LogSoftmax(dim=1)), chw
    if arch == "mobilenet-v2":
        return mobilenet_v2(10, stem), chw
    return {"seed-cnn": seed_cnn, "deep-cnn": deep_cnn}[arch](), chw


def shaped(x, chw):
    """Fashion-MNIST images as CoreBench shapes them: nearest-neighbour scaled to H x W, repeated over C."""
    if chw == (1, 28, 28):
        return x
    rows = torch.arange(chw[1]) * 28 // chw[1]
    cols = torch.arange(chw[2]) * 28 // chw[2]
    return x[:, :, rows][:, :, :, cols].repeat(1, chw[0], 1, 1).contiguous()


def forward_flops(net, x):
    flops = 0

    def count(module, _, output):
        nonlocal flops
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size
            flops += 2 * k[0] * k[1] * module.in_channels // module.groups * output[0].numel()
        elif isinstance(module, nn.Linear):
            flops += 2 * module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in net.modules()]
    with torch.no_grad():
        net.eval()
        net(x[:1])
    for h in hooks:
        h.remove()
    return flops


def timed(batches, step, seconds):
    start = time.perf_counter()
    done, i = 0, 0
    while time.perf_counter() - start < seconds:
        x, y = batches[i % len(batches)]
        step(x, y)
        done += x.shape[0]
        i += 1
    return done / (time.perf_counter() - start)


def main():
    model, seconds, setting, threads = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    net, chw = network(model)
    x, y = load(10_000 if chw[0] * chw[1] * chw[2] <= 10_000 else 1_000)
    x = shaped(x, chw)
    flops = forward_flops(net, x)
    if setting == "tuned-channels-last":
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    train = [(x[i:i + 32], y[i:i + 32]) for i in range(0, len(x), 32)]
    infer = [(x[i:i + 256], y[i:i + 256]) for i in range(0, len(x), 256)]
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = nn.NLLLoss()

    def fit(xb, yb):
        optimiser.zero_grad()
        loss(net(xb), yb).backward()
        optimiser.step()

    def predict(xb, _):
        net(xb)

    net.train()
    timed(train, fit, 2.0)
    train_rate = timed(train, fit, seconds)
    net.eval()
    with torch.no_grad():
        infer_rate = timed(infer, predict, max(1.0, seconds / 2))
    print(json.dumps({
        "model": model, "build": f"pytorch-{torch.__version__}", "variant": f"{setting}-{threads}t",
        "blas": "openblas" if "openblas" in os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3") else "?",
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE", ""),
        "trainImagesPerSecond": train_rate, "inferImagesPerSecond": infer_rate,
        "forwardMflopPerImage": flops / 1e6, "trainGflops": train_rate * 3 * flops / 1e9,
        "inferGflops": infer_rate * flops / 1e9}))


if __name__ == "__main__":
    main()
