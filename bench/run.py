"""The side-by-side benchmark: nabla, PyTorch (out of the box and tuned) and
tiny-dnn on the same workloads in one run (bench/PROTOCOL.md).

Usage (bench/run builds the programs first, then runs this):
    /usr/bin/python3 bench/run.py [--rounds 3] [--workloads mlp,lenet,...]
        [--frameworks nabla,pytorch,pytorch-tuned,tiny-dnn] [--threads 2]
        [--blocks 5] [--min-time 0.5] [--epochs 2] [--no-accuracy] [--no-write]

Each (workload, mode, framework) runs as its own process, `--rounds` times,
the frameworks alternating within a round (the order rotates each round).
Every process times `--blocks` blocks after its warm-up; the table gives the
median over all blocks of all rounds and their range. Ratios are nabla's
median over the peer's. The table, the machine and the command are printed
and written into BENCHMARKS.md between the "bench/run" markers.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
BEGIN, END = "<!-- bench/run: begin -->", "<!-- bench/run: end -->"

WORKLOADS = {  # name: (label, modes)
    "mlp": ("MLP 784-256-128-10, SGD momentum, batch 128", ("train", "infer")),
    "lenet": ("LeNet-5, Adam, batch 128", ("train", "infer")),
    "vgg-small-bn": ("VGG-small-BN, SGD momentum, batch 128", ("train", "infer")),
    "resnet20": ("ResNet-20 (3×32×32, synthetic), SGD momentum, batch 128", ("train", "infer")),
    "mlp-b1": ("MLP 784-32-10, batch-1 training step", ("train",)),
}
FRAMEWORKS = ("nabla", "pytorch", "pytorch-tuned", "tiny-dnn")
NAMES = {"nabla": "nabla", "pytorch": "PyTorch out of box", "pytorch-tuned": "PyTorch tuned",
         "tiny-dnn": "tiny-dnn"}

# The goals of the benchmark issue: (workload, mode, peer, ratio).
GOALS = [
    ("mlp", "train", "pytorch-tuned", 1.5),
    ("lenet", "train", "pytorch-tuned", 1.5),
    ("lenet", "infer", "pytorch-tuned", 1.5),
    ("vgg-small-bn", "infer", "pytorch-tuned", 1.5),
    ("vgg-small-bn", "train", "pytorch-tuned", 1.0),
    ("resnet20", "train", "pytorch-tuned", 1.0),
    ("mlp-b1", "train", "pytorch-tuned", 5.0),
] + [(w, m, "tiny-dnn", 10.0) for w, (_, modes) in WORKLOADS.items() for m in modes]


def command(framework, build):
    if framework == "nabla":
        return [os.path.join(build, "bench", "bench_workloads")]
    if framework == "tiny-dnn":
        return [os.path.join(build, "bench", "bench_tinydnn")]
    return ["/usr/bin/python3", os.path.join(HERE, "peers", "torch_workloads.py")]


def environment(framework):
    """Out of the box for everyone; PyTorch tuned as PERFORMANCE.md says it is at its best."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "LD_PRELOAD", "MALLOC_CONF",
                        "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE")}
    if framework == "pytorch-tuned":
        env["OPENBLAS_NUM_THREADS"] = "1"
        if os.path.exists(JEMALLOC):
            env["LD_PRELOAD"] = JEMALLOC
            env["MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
    return env


# Cells so slow that one round of one block is all a run can afford (tiny-dnn
# takes ~20 s per VGG-small training step and ~25 s per inference batch).
SLOW = {("tiny-dnn", "vgg-small-bn")}


def run_one(framework, workload, mode, args, extra=()):
    blocks = 1 if (framework, workload) in SLOW else args.blocks
    cmd = command(framework, args.build) + [workload, mode, "--threads", str(args.threads),
                                            "--blocks", str(blocks),
                                            "--min-time", str(args.min_time)] + list(extra)
    proc = subprocess.run(cmd, env=environment(framework), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("bench/run: %s failed (exit %d):\n%s" % (shlex.join(cmd), proc.returncode,
                                                          proc.stderr.strip()[-2000:]))
    lines = [l for l in proc.stdout.strip().splitlines() if l.startswith("{")]
    if not lines:
        sys.exit("bench/run: %s printed no JSON line:\n%s" % (shlex.join(cmd), proc.stdout[-2000:]))
    return json.loads(lines[-1])


def machine():
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "cpu family", "model") and key not in info:
                info[key] = value.strip()
    family = info.get("cpu family", "?")
    arch = {"26": "Zen 5", "25": "Zen 4"}.get(family, "unknown")
    return "%s, CPU family %s model %s (%s), %d logical cores, %s" % (
        info.get("model name", "?"), family, info.get("model", "?"), arch, os.cpu_count(),
        platform.platform())


def fmt_rate(rates):
    if not rates:
        return "—"
    med = statistics.median(rates)
    return "%s (%s–%s)" % (num(med), num(min(rates)), num(max(rates)))


def num(x):
    if x >= 100:
        return "{:,.0f}".format(x)
    return "%.3g" % x


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--blocks", type=int, default=5)
    p.add_argument("--min-time", type=float, default=0.5)
    p.add_argument("--epochs", type=int, default=2, help="epochs of the LeNet accuracy run")
    p.add_argument("--no-accuracy", action="store_true")
    p.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md")
    args = p.parse_args()
    workloads = [w for w in args.workloads.split(",") if w]
    frameworks = [f for f in args.frameworks.split(",") if f]
    for w in workloads:
        if w not in WORKLOADS:
            p.error("unknown workload '%s' (%s)" % (w, ", ".join(WORKLOADS)))
    for f in frameworks:
        if f not in FRAMEWORKS:
            p.error("unknown framework '%s' (%s)" % (f, ", ".join(FRAMEWORKS)))
    if "tiny-dnn" in frameworks and not os.path.exists(command("tiny-dnn", args.build)[0]):
        print("bench/run: %s is missing (tiny-dnn's headers were not found at configure time); "
              "running without tiny-dnn" % command("tiny-dnn", args.build)[0], file=sys.stderr)
        frameworks.remove("tiny-dnn")

    load_before = os.getloadavg()[0]
    results = {}  # (workload, mode, framework) → {"rates": [...], "rss": [...]} or {"unsupported"}
    for r in range(args.rounds):
        order = frameworks[r % len(frameworks):] + frameworks[:r % len(frameworks)]
        for w in workloads:
            for mode in WORKLOADS[w][1]:
                for f in order:
                    key = (w, mode, f)
                    if "unsupported" in results.get(key, {}):
                        continue
                    if r > 0 and (f, w) in SLOW:
                        continue
                    out = run_one(f, w, mode, args)
                    slot = results.setdefault(key, {"rates": [], "rss": []})
                    if "unsupported" in out:
                        results[key] = {"unsupported": out["unsupported"]}
                        continue
                    slot["rates"] += out["images_per_s"]
                    slot["rss"].append(out["peak_rss_mib"])
                    print("round %d  %-13s %-5s %-13s %10.0f img/s  %6.0f MiB" % (
                        r + 1, w, mode, f, statistics.median(out["images_per_s"]),
                        out["peak_rss_mib"]), file=sys.stderr, flush=True)

    accuracy = {}
    if not args.no_accuracy and "lenet" in workloads:
        for f in frameworks:
            # Out of the box is the same computation as tuned, only slower; tiny-dnn
            # would take minutes per epoch.
            if f in ("pytorch", "tiny-dnn"):
                continue
            out = run_one(f, "lenet", "accuracy", args, ["--epochs", str(args.epochs)])
            if "unsupported" not in out:
                accuracy[f] = out
                print("accuracy  lenet %-13s %.4f after %d epochs" % (f, out["accuracy"], args.epochs),
                      file=sys.stderr, flush=True)
    load_after = os.getloadavg()[0]

    def median(w, mode, f):
        res = results.get((w, mode, f), {})
        return statistics.median(res["rates"]) if res.get("rates") else None

    lines = []
    cmdline = "bench/run " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines.append("Command: `%s` (%s)." % (cmdline.strip(), datetime.date.today().isoformat()))
    lines.append("Machine: %s; load average %.2f before, %.2f after." % (machine(), load_before, load_after))
    lines.append("%d rounds × %d timed blocks of ≥ %.1f s per cell, %d threads for every framework; "
                 "images/s as median (min–max); ratio = nabla's median / the peer's; "
                 "tiny-dnn's VGG-small cells are one block of one round (they take minutes)." % (
                     args.rounds, args.blocks, args.min_time, args.threads))
    lines.append("")
    lines.append("| workload | framework | train img/s | inference img/s (batch 1000) | peak RSS train / infer | nabla ÷ it, train | nabla ÷ it, inference |")
    lines.append("|---|---|---|---|---|---|---|")
    for w in workloads:
        for f in frameworks:
            cells = []
            rss = []
            ratios = []
            for mode in ("train", "infer"):
                res = results.get((w, mode, f))
                if mode not in WORKLOADS[w][1]:
                    cells.append("—")
                    rss.append("—")
                    ratios.append("—")
                    continue
                if res is None or "unsupported" in res:
                    cells.append("not expressible" if res else "—")
                    rss.append("—")
                    ratios.append("—")
                    continue
                cells.append(fmt_rate(res["rates"]))
                rss.append("%.0f MiB" % max(res["rss"]))
                nab, it = median(w, mode, "nabla"), median(w, mode, f)
                ratios.append("—" if f == "nabla" or nab is None else "**%.2f×**" % (nab / it))
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                WORKLOADS[w][0] if f == frameworks[0] else "", NAMES[f], cells[0], cells[1],
                " / ".join(rss), ratios[0], ratios[1]))
    lines.append("")
    lines.append("Goals (nabla with its defaults: no environment variable, no flag):")
    lines.append("")
    lines.append("| workload | mode | against | goal | ratio | |")
    lines.append("|---|---|---|---|---|---|")
    for w, mode, peer, goal in GOALS:
        if w not in workloads or peer not in frameworks:
            continue
        nab, it = median(w, mode, "nabla"), median(w, mode, peer)
        if nab is None or it is None:
            continue
        ratio = nab / it
        lines.append("| %s | %s | %s | ≥ %.1f× | %.2f× | %s |" % (
            w, mode, NAMES[peer], goal, ratio, "met" if ratio >= goal else "**not met**"))
    if accuracy:
        lines.append("")
        lines.append("LeNet-5 accuracy after the same training (Adam 1e-3, batch 128, %d epochs, "
                     "60k Fashion-MNIST training images, seed 0; test set 10k):" % args.epochs)
        lines.append("")
        lines.append("| framework | test accuracy | training img/s over the run |")
        lines.append("|---|---|---|")
        for f, out in accuracy.items():
            lines.append("| %s | %.4f | %s |" % (NAMES[f], out["accuracy"], num(out["images_per_s"][0])))
    text = "\n".join(lines)
    print(text)

    if not args.no_write:
        path = os.path.join(ROOT, "BENCHMARKS.md")
        with open(path) as f:
            doc = f.read()
        block = "%s\n%s\n%s" % (BEGIN, text, END)
        if BEGIN in doc and END in doc:
            doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
        else:
            head, sep, rest = doc.partition("\n## ")
            doc = head + "\n## Latest side-by-side run (`bench/run`)\n\n" + block + "\n" + sep + rest
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(doc)
        os.replace(tmp, path)
        print("bench/run: wrote the table into %s" % path, file=sys.stderr)


if __name__ == "__main__":
    main()
