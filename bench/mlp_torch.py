"""PyTorch's side of bench/mlp.cpp: the same MLP training steps, timed the same way.

Usage: mlp_torch.py WORKLOAD   (WORKLOAD: mlp128 | mlp1)
Prints one JSON line: {"workload", "steps_per_s", "ms_per_step"}.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

WORKLOADS = {  # name: (layer sizes, batch)
    "mlp128": ([784, 256, 128, 10], 128),
    "mlp1": ([784, 32, 10], 1),
}


def main():
    name = sys.argv[1]
    sizes, batch = WORKLOADS[name]
    # The thread count compare.py gives every peer (2 unless --threads says otherwise).
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(50):
        step()
    # Timed blocks of about 0.3 s; the median block is reported.
    n = 10
    while True:
        t = time.perf_counter()
        for _ in range(n):
            step()
        if time.perf_counter() - t > 0.3:
            break
        n *= 2
    blocks = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(n):
            step()
        blocks.append((time.perf_counter() - t) / n)
    blocks.sort()
    s = blocks[len(blocks) // 2]
    print(json.dumps({"workload": name, "steps_per_s": 1.0 / s, "ms_per_step": s * 1e3}))


if __name__ == "__main__":
    main()
