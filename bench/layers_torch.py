"""PyTorch's side of bench/layers.cpp: forward + backward of the same vision
layers on the same shapes, timed the same way.

Usage: layers_torch.py WORKLOAD   (WORKLOAD: a key of WORKLOADS)
Prints one JSON line: {"workload", "ms_per_step"}.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

# name: (input shape, layer factory). Same as workloads() in bench/layers.cpp;
# the ResNet-18 convolutions on 32×32 run at batch 32 there and here.
WORKLOADS = {
    "lenet_conv1": ((128, 1, 28, 28), lambda: nn.Conv2d(1, 6, 5, padding=2)),
    "lenet_pool1": ((128, 6, 28, 28), lambda: nn.MaxPool2d(2)),
    "lenet_conv2": ((128, 6, 14, 14), lambda: nn.Conv2d(6, 16, 5)),
    "lenet_pool2": ((128, 16, 10, 10), lambda: nn.MaxPool2d(2)),
    "vgg_conv": ((128, 64, 14, 14), lambda: nn.Conv2d(64, 64, 3, padding=1)),
    "vgg_pool": ((128, 64, 14, 14), lambda: nn.MaxPool2d(2)),
    "vgg_bn": ((128, 64, 14, 14), lambda: nn.BatchNorm2d(64)),
    "resnet_conv3x3": ((32, 64, 32, 32), lambda: nn.Conv2d(64, 64, 3, padding=1, bias=False)),
    "resnet_conv_s2": ((32, 64, 32, 32),
                       lambda: nn.Conv2d(64, 128, 3, stride=2, padding=1, bias=False)),
    "resnet_1x1_s2": ((32, 64, 32, 32), lambda: nn.Conv2d(64, 128, 1, stride=2, bias=False)),
    "resnet_avgpool": ((128, 512, 4, 4), lambda: nn.AdaptiveAvgPool2d(1)),
    # ResNet-20's three stages (CIFAR, batch 128): 16, 32 and 64 channels
    "resnet20_conv16": ((128, 16, 32, 32), lambda: nn.Conv2d(16, 16, 3, padding=1, bias=False)),
    "resnet20_conv32": ((128, 32, 16, 16), lambda: nn.Conv2d(32, 32, 3, padding=1, bias=False)),
    "resnet20_conv64": ((128, 64, 8, 8), lambda: nn.Conv2d(64, 64, 3, padding=1, bias=False)),
    "resnet20_bn16": ((128, 16, 32, 32), lambda: nn.BatchNorm2d(16)),
}


def main():
    name = sys.argv[1]
    shape, make = WORKLOADS[name]
    # The thread count compare.py gives every peer (2 unless --threads says otherwise).
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    torch.manual_seed(0)
    layer = make()
    x = torch.randn(*shape, requires_grad=True)

    def step():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        layer(x).sum().backward()

    # Warm-up of at least 3 steps and 0.1 s; then 5 timed blocks of about
    # 0.2 s, the median block is reported.
    warm = 0
    t0 = time.perf_counter()
    while warm < 3 or time.perf_counter() - t0 < 0.1:
        step()
        warm += 1
    n = max(1, round(0.2 / ((time.perf_counter() - t0) / warm)))
    blocks = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            step()
        blocks.append((time.perf_counter() - t) / n)
    blocks.sort()
    s = blocks[len(blocks) // 2]
    print(json.dumps({"workload": name, "ms_per_step": s * 1e3}))


if __name__ == "__main__":
    main()
