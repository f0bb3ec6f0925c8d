"""Evaluates nabla's test cases with PyTorch (Debian's python3-torch).

Usage: torch_oracle.py REQUEST.json RESPONSE.json

Each case in the request names a Python lambda over torch tensors, its
inputs (shape, dtype, data in row-major order, requires_grad) and, for a
backward comparison, the gradient of the output. The response holds, per
case, the output and the gradient of every input (null where none), or the
error PyTorch raised.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

DTYPES = {"float32": torch.float32, "float64": torch.float64,
          "int64": torch.int64, "uint8": torch.uint8}


def to_torch(j):
    dtype = DTYPES[j["dtype"]]
    t = torch.tensor(j["data"], dtype=torch.float64).reshape(j["shape"])
    if dtype == torch.uint8:
        return t.to(torch.bool)  # nabla's masks are u8; torch wants bool masks
    return t.to(dtype)


def to_json(t):
    t = t.detach()
    name = {torch.float32: "float32", torch.float64: "float64",
            torch.int64: "int64", torch.bool: "uint8", torch.uint8: "uint8"}[t.dtype]
    data = [None if (isinstance(v, float) and math.isnan(v)) else v
            for v in t.to(torch.float64).reshape(-1).tolist()]
    return {"shape": list(t.shape), "dtype": name, "data": data}


def run(case):
    inputs = []
    for j in case["inputs"]:
        t = to_torch(j)
        if j["requires_grad"]:
            t.requires_grad_(True)
        inputs.append(t)
    fn = eval(case["torch"], {"torch": torch, "F": F, "math": math})
    out = fn(*inputs)
    if isinstance(out, (tuple, list)):
        out = out[0]
    result = {"name": case["name"], "output": to_json(out)}
    grads = [None] * len(inputs)
    if "grad_output" in case and out.requires_grad:
        g = to_torch(case["grad_output"]).to(out.dtype)
        if list(g.shape) != list(out.shape):
            raise ValueError("grad_output shape %s does not match torch output %s"
                             % (list(g.shape), list(out.shape)))
        out.backward(g)
        grads = [to_json(t.grad) if (t.requires_grad and t.grad is not None) else None
                 for t in inputs]
    result["grads"] = grads
    return result


def main():
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    results = []
    for case in cases:
        try:
            results.append(run(case))
        except Exception as e:  # reported per case; the C++ test fails it
            results.append({"name": case["name"], "error": "%s: %s" % (type(e).__name__, e)})
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
