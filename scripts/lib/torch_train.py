"""PyTorch reference for scripts/bench-train.sh (io.sparkcnn.bench.TrainBench): the seed CNN trained one epoch
at a time on command, so that its epochs interleave with the JVM's trainers on the same machine.

Reads lines from standard input; each "epoch" line trains one epoch over Fashion-MNIST's 60,000 training
images (shuffled, minibatch 32, Adam 1e-3, NLL of a softmax: the protocol of torch_bench.py) and prints one
JSON line: {"seconds", "images", "accuracy"} (accuracy on the 10,000 t10k images; timing excludes it).
Usage: torch_train.py THREADS SETTING (tuned or tuned-channels-last; the caller sets the environment).
"""
import json
import sys
import time

import torch

from torch_bench import images, labels, seed_cnn


def main():
    threads, setting = int(sys.argv[1]), sys.argv[2]
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    tx, ty = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    net = seed_cnn()
    if setting == "tuned-channels-last":
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
        tx = tx.contiguous(memory_format=torch.channels_last)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = torch.nn.NLLLoss()
    for line in sys.stdin:
        if line.strip() != "epoch":
            raise SystemExit(f"torch_train.py: unknown command {line.strip()!r} (expected 'epoch')")
        order = torch.randperm(len(x))
        net.train()
        start = time.perf_counter()
        for i in range(0, len(x), 32):
            batch = order[i:i + 32]
            optimiser.zero_grad()
            loss(net(x[batch]), y[batch]).backward()
            optimiser.step()
        seconds = time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            correct = sum(int((net(tx[i:i + 256]).argmax(1) == ty[i:i + 256]).sum()) for i in range(0, len(tx), 256))
        print(json.dumps({"seconds": seconds, "images": len(x), "accuracy": correct / len(tx)}), flush=True)


if __name__ == "__main__":
    main()
