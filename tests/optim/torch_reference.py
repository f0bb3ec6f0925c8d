"""Runs nabla's optimizer, scheduler and clipping cases with torch.optim.

Usage: torch_reference.py REQUEST.json RESPONSE.json

The request holds one kind of case list (all evaluated in this one process):
  "optimizers": {"problem": {...}, "steps": N, "cases": [{"name", "make", "sched"}]}
      make: "lambda P: torch.optim.X(P, ...)" over P = [W, b, u] (u gets no
      gradient); sched: "" or "lambda o: scheduler". Each step: zero_grad,
      loss = Σ (x Wᵀ + b − y)², backward, step, scheduler step. Answer: the
      parameters (W, b, u flattened) after each step.
  "schedulers": {"cases": [{"name", "opt", "make", "steps", "metrics"}]}
      opt: "lambda P: optimizer" over two one-element parameters; make:
      "lambda o: scheduler"; metrics: list for ReduceLROnPlateau or null.
      Answer: each group's lr and momentum (momentum or betas[0], null if
      none) after construction and after each step.
  "clip": {"cases": [{"name", "grads": [{shape, data} or null], "call"}]}
      call: "lambda P: clip_grad_norm_(P, ...)". Answer: its return value and
      the gradients after it.
An exception becomes {"error": message} for that case.
"""
import json
import math
import sys

import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_
from torch.optim import lr_scheduler

torch.set_default_dtype(torch.float64)
ENV = {"torch": torch, "lr_scheduler": lr_scheduler, "math": math,
       "clip_grad_norm_": clip_grad_norm_, "clip_grad_value_": clip_grad_value_}


def tensor(j):
    return torch.tensor(j["data"], dtype=torch.float64).reshape(j["shape"])


def flat(params):
    return [v for p in params for v in p.detach().reshape(-1).tolist()]


def run_optimizer(problem, steps, case):
    W = tensor(problem["W"]).requires_grad_(True)
    b = tensor(problem["b"]).requires_grad_(True)
    u = tensor(problem["u"]).requires_grad_(True)
    x, y = tensor(problem["x"]), tensor(problem["y"])
    P = [W, b, u]
    opt = eval(case["make"], ENV)(P)
    sched = eval(case["sched"], ENV)(opt) if case["sched"] else None
    trajectory = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = ((x @ W.t() + b - y) ** 2).sum()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        trajectory.append(flat(P))
    return {"trajectory": trajectory}


def group_values(opt):
    lrs = [g["lr"] for g in opt.param_groups]
    momenta = []
    for g in opt.param_groups:
        if "betas" in g:
            momenta.append(g["betas"][0])
        else:
            momenta.append(g.get("momentum"))
    return lrs, momenta


def run_scheduler(case):
    P = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    opt = eval(case["opt"], ENV)(P)
    sched = eval(case["make"], ENV)(opt)
    lrs, momenta = [], []

    def record():
        l, m = group_values(opt)
        lrs.append(l)
        momenta.append(m)

    record()
    for k in range(case["steps"]):
        opt.step()  # no gradients: changes nothing, keeps the step-order check quiet
        if case.get("metrics") is not None:
            sched.step(case["metrics"][k])
        else:
            sched.step()
        record()
    return {"lrs": lrs, "momenta": momenta}


def run_clip(case):
    P = []
    for g in case["grads"]:
        if g is None:
            P.append(torch.zeros(2, requires_grad=True))
        else:
            p = torch.zeros(g["shape"], requires_grad=True)
            p.grad = tensor(g)
            P.append(p)
    result = eval(case["call"], ENV)(P)
    total = None if result is None else float(result)
    if total is not None and not math.isfinite(total):
        total = str(total)
    grads = [None if p.grad is None else flat([p.grad]) for p in P]
    return {"total": total, "grads": grads}


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    response = {}
    for kind, run in (("optimizers", None), ("schedulers", run_scheduler), ("clip", run_clip)):
        if kind not in request:
            continue
        block = request[kind]
        answers = {}
        for case in block["cases"]:
            try:
                if kind == "optimizers":
                    answers[case["name"]] = run_optimizer(block["problem"], block["steps"], case)
                else:
                    answers[case["name"]] = run(case)
            except Exception as e:  # reported per case
                answers[case["name"]] = {"error": "%s: %s" % (type(e).__name__, e)}
        response[kind] = answers
    with open(sys.argv[2], "w") as f:
        json.dump(response, f)


if __name__ == "__main__":
    main()
