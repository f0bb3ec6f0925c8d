#!/usr/bin/env python3
"""PyTorch twins of nabla's small zoo models, for tests/models/test_lenet_mlp.cpp.

  torch_zoo_ref.py OUT_DIR MODEL:C:SIZE:CLASSES ...

builds each MODEL (lenet5 | mlp) in PyTorch after torch.manual_seed(0), and
writes into OUT_DIR/MODEL_C_SIZE_CLASSES/ (one process for all: importing
torch takes seconds)
  weights.safetensors   its state_dict (what nabla loads strictly)
  io.safetensors        "input" (4, C, SIZE, SIZE) and "logits" (4, CLASSES)
with a minimal safetensors writer from the format's specification (no
safetensors package needed): u64 little-endian header length, JSON header
padded with spaces to a multiple of 8, then the raw little-endian data.
"""
import json
import os
import struct
import sys

import torch
from torch import nn


def lenet5(c, size, classes):
    # As nabla/models/lenet.h: padding 2 for 28×28 only.
    padding = 2 if size == 28 else 0
    side = ((size + 2 * padding - 4) // 2 - 4) // 2
    model = nn.Module()
    model.features = nn.Sequential(
        nn.Conv2d(c, 6, 5, padding=padding), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
    model.classifier = nn.Sequential(
        nn.Linear(16 * side * side, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, classes))
    model.forward = lambda x: model.classifier(torch.flatten(model.features(x), 1))
    return model


def mlp(c, size, classes):
    return nn.Sequential(nn.Flatten(), nn.Linear(c * size * size, 256), nn.ReLU(),
                         nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, classes))


def save(tensors, path):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    out_dir = sys.argv[1]
    for spec in sys.argv[2:]:
        name, *sizes = spec.split(":")
        c, size, classes = map(int, sizes)
        torch.manual_seed(0)
        model = {"lenet5": lenet5, "mlp": mlp}[name](c, size, classes)
        model.eval()
        x = torch.randn(4, c, size, size)
        with torch.no_grad():
            logits = model.forward(x)
        folder = os.path.join(out_dir, spec.replace(":", "_"))
        os.makedirs(folder, exist_ok=True)
        save(model.state_dict(), os.path.join(folder, "weights.safetensors"))
        save({"input": x, "logits": logits}, os.path.join(folder, "io.safetensors"))


if __name__ == "__main__":
    main()
