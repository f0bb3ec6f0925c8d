"""Runs nabla and its peers on the same workloads in one run and prints the
ratios as Markdown rows for BENCHMARKS.md.

Usage: /usr/bin/python3 bench/compare.py [--build build] [--rounds 3] [--threads 2] [--only matmul|mlp|layers]

Workloads:
- matmul N×N f32 (N = 256, 512, 1024): nabla's matmul against raw OpenBLAS
  sgemm and raw oneDNN sgemm (bench_matmul, Google Benchmark).
- MLP training steps: 784-256-128-10 at batch 128 and 784-32-10 at batch 1
  (bench_mlp against bench/mlp_torch.py). PyTorch runs twice: out of the box,
  and tuned (OPENBLAS_NUM_THREADS=1 and jemalloc without decay, its best on
  these machines, see PERFORMANCE.md); ratios are against the tuned figure.
- Vision layers, forward + backward of one layer (bench_layers against
  bench/layers_torch.py, PyTorch out of box and tuned): conv, max pooling and
  batch norm at LeNet and VGG-small shapes, conv and adaptive average pooling
  at ResNet-18 shapes; printed as a table of its own, ratio = PyTorch tuned
  time / nabla time (> 1: nabla is faster).
Peers alternate within each round; the median over rounds is reported.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"


THREADS = 2


def run_json(cmd, env_extra=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS))
    env.update(env_extra or {})
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    # Google Benchmark prints one JSON document over many lines; bench_mlp and
    # mlp_torch.py print one JSON line last.
    try:
        return json.loads(out)
    except json.JSONDecodeError:
        return json.loads(out.strip().splitlines()[-1])


def matmul_rows(build, rounds):
    results = {}
    for _ in range(rounds):
        out = run_json([os.path.join(build, "bench", "bench_matmul"),
                        "--benchmark_format=json", "--benchmark_min_time=0.3"])
        for b in out["benchmarks"]:
            name, n = b["name"].split("/")[0], int(b["name"].split("/")[1])
            results.setdefault((name, n), []).append(b["GFLOP/s"] / 1e9)
    rows = []
    for n in (256, 512, 1024):
        nab = statistics.median(results[("BM_nabla_matmul", n)])
        blas = statistics.median(results[("BM_openblas_sgemm", n)])
        dnnl = statistics.median(results[("BM_onednn_sgemm", n)])
        rows.append("| matmul %d×%d f32 | %.1f GFLOP/s | OpenBLAS sgemm %.1f, oneDNN sgemm %.1f | %.2f× OpenBLAS |"
                    % (n, n, nab, blas, dnnl, nab / blas))
    return rows


def tuned_env():
    """PyTorch at its best on these machines (PERFORMANCE.md)."""
    tuned = {"OPENBLAS_NUM_THREADS": "1", "LD_PRELOAD": JEMALLOC,
             "MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1"}
    if not os.path.exists(JEMALLOC):
        tuned.pop("LD_PRELOAD")
        tuned.pop("MALLOC_CONF")
    return tuned


def mlp_rows(build, rounds):
    tuned = tuned_env()
    rows = []
    labels = {"mlp128": "MLP 784-256-128-10 train step, batch 128",
              "mlp1": "MLP 784-32-10 train step, batch 1"}
    for w in ("mlp128", "mlp1"):
        nab, box, best = [], [], []
        for _ in range(rounds):
            nab.append(run_json([os.path.join(build, "bench", "bench_mlp"), w])["steps_per_s"])
            box.append(run_json([sys.executable, os.path.join(HERE, "mlp_torch.py"), w])["steps_per_s"])
            best.append(run_json([sys.executable, os.path.join(HERE, "mlp_torch.py"), w], tuned)["steps_per_s"])
        n, b, t = statistics.median(nab), statistics.median(box), statistics.median(best)
        rows.append("| %s | %.0f steps/s | PyTorch %.0f out of box, %.0f tuned | %.2f× tuned |"
                    % (labels[w], n, b, t, n / t))
    return rows


# (workload, layer, input shape) in the order of the table; the shapes are
# those of bench/layers.cpp and bench/layers_torch.py.
LAYERS = [
    ("lenet_conv1", "LeNet conv1 Conv2d(1, 6, 5, padding=2)", "128×1×28×28"),
    ("lenet_pool1", "LeNet pool1 MaxPool2d(2)", "128×6×28×28"),
    ("lenet_conv2", "LeNet conv2 Conv2d(6, 16, 5)", "128×6×14×14"),
    ("lenet_pool2", "LeNet pool2 MaxPool2d(2)", "128×16×10×10"),
    ("vgg_conv", "VGG-small Conv2d(64, 64, 3, padding=1)", "128×64×14×14"),
    ("vgg_pool", "VGG-small MaxPool2d(2)", "128×64×14×14"),
    ("vgg_bn", "VGG-small BatchNorm2d(64), train", "128×64×14×14"),
    ("resnet_conv3x3", "ResNet-18 Conv2d(64, 64, 3, padding=1, bias=False)", "32×64×32×32"),
    ("resnet_conv_s2", "ResNet-18 Conv2d(64, 128, 3, stride=2, padding=1, bias=False)", "32×64×32×32"),
    ("resnet_1x1_s2", "ResNet-18 Conv2d(64, 128, 1, stride=2, bias=False)", "32×64×32×32"),
    ("resnet_avgpool", "ResNet-18 AdaptiveAvgPool2d(1)", "128×512×4×4"),
]


def layers_rows(build, rounds):
    tuned = tuned_env()
    nabla = os.path.join(build, "bench", "bench_layers")
    torch_script = os.path.join(HERE, "layers_torch.py")
    rows = []
    for w, label, shape in LAYERS:
        nab, box, best = [], [], []
        for _ in range(rounds):
            nab.append(run_json([nabla, w])["ms_per_step"])
            box.append(run_json([sys.executable, torch_script, w])["ms_per_step"])
            best.append(run_json([sys.executable, torch_script, w], tuned)["ms_per_step"])
        n, b, t = statistics.median(nab), statistics.median(box), statistics.median(best)
        rows.append("| %s | %s | %.2f | %.2f | %.2f | %.2f× |" % (label, shape, n, b, t, t / n))
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", choices=["matmul", "mlp", "layers"],
                   help="run one family of workloads")
    args = p.parse_args()
    global THREADS
    THREADS = args.threads
    cpu = subprocess.run(["sh", "-c", "lscpu | grep -E 'Model name|CPU family|^Model:' | tr -s ' '"],
                         capture_output=True, text=True).stdout.replace("\n", "; ")
    print("CPU: %s %d threads\n" % (cpu, THREADS))
    if args.only in (None, "matmul", "mlp"):
        print("| workload | nabla | peers | ratio |")
        print("|---|---|---|---|")
        rows = [] if args.only == "mlp" else matmul_rows(args.build, args.rounds)
        rows += [] if args.only == "matmul" else mlp_rows(args.build, args.rounds)
        for row in rows:
            print(row, flush=True)
    if args.only in (None, "layers"):
        if args.only is None:
            print()
        print("| layer | input | nabla ms | PyTorch out of box ms | PyTorch tuned ms | tuned / nabla |")
        print("|---|---|---|---|---|---|")
        for row in layers_rows(args.build, args.rounds):
            print(row, flush=True)


if __name__ == "__main__":
    main()
