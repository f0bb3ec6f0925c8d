"""PyTorch's side of the side-by-side benchmark (bench/run, bench/PROTOCOL.md).

Measures training and inference throughput (images/s) of the protocol's
workloads, one (workload, mode) per process, timed exactly as nabla's
bench/workloads.cpp and tiny-dnn's bench/peers/tinydnn.cpp time them:
warm-up (at least 3 steps and 0.3 s), then a step count n doubled from 1
until n steps take --min-time, then --blocks timed blocks of n steps, each
giving images/s = n * batch / seconds. accuracy mode (lenet) trains --epochs
shuffled epochs and reports the test accuracy.

    /usr/bin/python3 bench/peers/torch_workloads.py WORKLOAD MODE [--threads 2]
        [--blocks 5] [--min-time 0.5] [--data DIR] [--epochs 2] [--seed 0] [--steps N]
    /usr/bin/python3 bench/peers/torch_workloads.py --list-params

WORKLOAD: mlp | lenet | vgg-small-bn | resnet20 | mlp-b1
MODE:     train | infer | accuracy
Prints one JSON line on stdout. Only torch.set_num_threads(--threads) is set
here; any tuning (OPENBLAS_NUM_THREADS, an LD_PRELOADed allocator) comes
from the environment the caller gives.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WORKLOADS = ["mlp", "lenet", "vgg-small-bn", "resnet20", "mlp-b1"]
MODES = ["train", "infer", "accuracy"]
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST's pixel statistics
PROG = "torch_workloads.py"


# ---- models

def mlp(sizes):
    layers = [nn.Flatten()]
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def vgg_small_bn():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(
        *block(1, 32), *block(32, 32), nn.MaxPool2d(2),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))


class BasicBlock(nn.Module):
    """Two bias-free 3x3 convs with BN; option-A shortcut when the shape changes:
    x[:, :, ::2, ::2], channels zero-padded by (planes - inplanes) / 2 each side."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = (planes - inplanes) // 2
        self.downsample = stride != 1 or inplanes != planes

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x
        if self.downsample:
            shortcut = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + shortcut)


class ResNet20(nn.Module):
    """CIFAR ResNet-20 (He et al. 2016, section 4.2): 3 stages of 3 BasicBlocks."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, inplanes = [], 16
        for planes, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                blocks.append(BasicBlock(inplanes, planes, stride if i == 0 else 1))
                inplanes = planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


MODELS = {
    "mlp": lambda: mlp([784, 256, 128, 10]),
    "mlp-b1": lambda: mlp([784, 32, 10]),
    "lenet": lenet,
    "vgg-small-bn": vgg_small_bn,
    "resnet20": ResNet20,
}
# Expected parameter counts (--list-params checks them). vgg-small-bn:
# convs 1*32*9+32 + 32*32*9+32 + 32*64*9+64 + 64*64*9+64 = 64992, BN 2*(32+32+64+64)
# = 384, Linear 3136*256+256 + 256*10+10 = 805642: 871018.
PARAMS = {"mlp": 235146, "mlp-b1": 25450, "lenet": 61706, "vgg-small-bn": 871018,
          "resnet20": 269722}


def make_optimizer(workload, model):
    if workload == "lenet":
        return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    lr = 0.1 if workload == "resnet20" else 0.01
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


# ---- data

class DataError(Exception):
    """A data file that is missing or not what the protocol expects."""


def read_idx(path, magic, shape_tail):
    """An IDX .gz file as a uint8 array of shape (count, *shape_tail)."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: cannot read as gzip: {e}") from None
    dims = len(shape_tail) + 1
    header = 4 + 4 * dims
    if len(raw) < header:
        raise DataError(f"{path}: {len(raw)} bytes, shorter than the {header}-byte IDX header")
    got = int.from_bytes(raw[0:4], "big")
    if got != magic:
        raise DataError(f"{path}: magic number {got:#010x}, expected {magic:#010x}")
    sizes = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    if sizes[1:] != list(shape_tail):
        raise DataError(f"{path}: item shape {sizes[1:]}, expected {list(shape_tail)}")
    expected = header + int(np.prod(sizes))
    if len(raw) != expected:
        raise DataError(f"{path}: {len(raw)} bytes, expected {expected} for shape {sizes}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(sizes)


def load_fashion_mnist(folder, train):
    """(images (N, 1, 28, 28) f32 normalised, labels (N,) int64)."""
    prefix = "train" if train else "t10k"
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), 0x803, (28, 28))
    labels_path = os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz")
    labels = read_idx(labels_path, 0x801, ())
    if len(labels) != len(images):
        raise DataError(f"{labels_path}: {len(labels)} labels for {len(images)} images")
    # In place, so that peak memory holds one f32 copy of the images, not four.
    x = torch.from_numpy(images.astype(np.float32)).unsqueeze(1)
    x.div_(255).sub_(MEAN).div_(STD)
    return x, torch.from_numpy(labels.astype(np.int64))


def load_data(args, train, batch):
    """The mode's preloaded inputs and labels; resnet20: a pool of 8 synthetic batches."""
    if args.workload == "resnet20":
        gen = torch.Generator().manual_seed(args.seed)
        return (torch.randn(8 * batch, 3, 32, 32, generator=gen),
                torch.randint(0, 10, (8 * batch,), generator=gen))
    return load_fashion_mnist(args.data, train)


# ---- timing and output

def time_steps(args, batch, step):
    """The protocol's timing: a list of images/s, one per timed block."""
    if args.steps > 0:  # a fixed amount of work for a profiler, untimed
        for _ in range(3 + args.steps):
            step()
        return []
    warm, i = time.perf_counter(), 0
    while i < 3 or time.perf_counter() - warm < 0.3:
        step()
        i += 1
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            step()
        if time.perf_counter() - t >= args.min_time:
            break
        n *= 2
    rates = []
    for _ in range(args.blocks):
        t = time.perf_counter()
        for _ in range(n):
            step()
        rates.append(n * batch / (time.perf_counter() - t))
    return rates


def report(args, batch, rates, accuracy, start):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB
    print(json.dumps({
        "framework": "pytorch", "workload": args.workload, "mode": args.mode, "batch": batch,
        "images_per_s": [round(r, 1) for r in rates], "peak_rss_mib": round(peak, 1),
        "accuracy": accuracy, "seconds": round(time.perf_counter() - start, 2)}))


# ---- modes

def train(args, model, start):
    batch = 1 if args.workload == "mlp-b1" else 128
    x, y = load_data(args, True, batch)
    batches = len(x) // batch
    opt = make_optimizer(args.workload, model)
    model.train()
    k = 0

    def step():
        nonlocal k
        at = (k % batches) * batch
        k += 1
        opt.zero_grad()
        F.cross_entropy(model(x[at:at + batch]), y[at:at + batch]).backward()
        opt.step()

    report(args, batch, time_steps(args, batch, step), None, start)


def infer(args, model, start):
    batch = 1000
    x, _ = load_data(args, False, batch)
    batches = len(x) // batch
    model.eval()
    k = 0

    def step():
        nonlocal k
        at = (k % batches) * batch
        k += 1
        model(x[at:at + batch])

    with torch.no_grad():
        rates = time_steps(args, batch, step)
    report(args, batch, rates, None, start)


def accuracy(args, model, start):
    x, y = load_data(args, True, 128)
    tx, ty = load_data(args, False, 1000)
    opt = make_optimizer(args.workload, model)
    gen = torch.Generator().manual_seed(args.seed)
    n = len(x)
    t = time.perf_counter()
    model.train()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, 128):  # the last partial batch is kept
            idx = order[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    rate = n * args.epochs / (time.perf_counter() - t)
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(tx), 1000):
            correct += (model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
    report(args, 128, [rate], correct / len(tx), start)


# ---- command line

class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line naming the argument, exit 2
        print(f"{PROG}: error: {message}", file=sys.stderr)
        sys.exit(2)


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {kind.__name__}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"'{text}' must be positive")
        return value
    return parse


def parse_args():
    p = Parser(prog=PROG, description="PyTorch's side of the side-by-side benchmark")
    p.add_argument("workload", nargs="?", choices=WORKLOADS)
    p.add_argument("mode", nargs="?", choices=MODES)
    p.add_argument("--threads", type=positive(int), default=2)
    p.add_argument("--blocks", type=positive(int), default=5)
    p.add_argument("--min-time", type=positive(float), default=0.5)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=positive(int), default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=0,
                   help="run exactly N steps untimed (for profilers)")
    p.add_argument("--list-params", action="store_true",
                   help="print every model's parameter count, check it, and exit")
    args = p.parse_args()
    if not args.list_params and args.mode is None:
        p.error("the arguments WORKLOAD and MODE are required")
    if args.mode == "accuracy" and args.workload != "lenet":
        p.error(f"argument mode: accuracy is for lenet only, not '{args.workload}'")
    return args


def list_params():
    ok = True
    for name, make in MODELS.items():
        count = sum(p.numel() for p in make().parameters())
        ok &= count == PARAMS[name]
        print(f"{name:14} {count:>9,}" + ("" if count == PARAMS[name] else
                                           f"  expected {PARAMS[name]:,}"))
    return 0 if ok else 1


def main():
    args = parse_args()
    if args.list_params:
        return list_params()
    if args.mode == "infer" and args.workload == "mlp-b1":
        print(json.dumps({"framework": "pytorch", "workload": "mlp-b1", "mode": "infer",
                          "unsupported": "mlp-b1 is a training-step workload"}))
        return 0
    start = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = MODELS[args.workload]()
    try:
        {"train": train, "infer": infer, "accuracy": accuracy}[args.mode](args, model, start)
    except DataError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
