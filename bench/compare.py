"""Runs nabla and its peers on the same workloads in one run and prints the
ratios as Markdown rows for BENCHMARKS.md.

Usage: /usr/bin/python3 bench/compare.py [--build build] [--rounds 3] [--threads 2] [--only matmul|mlp]

Workloads:
- matmul N×N f32 (N = 256, 512, 1024): nabla's matmul against raw OpenBLAS
  sgemm and raw oneDNN sgemm (bench_matmul, Google Benchmark).
- MLP training steps: 784-256-128-10 at batch 128 and 784-32-10 at batch 1
  (bench_mlp against bench/mlp_torch.py). PyTorch runs twice: out of the box,
  and tuned (OPENBLAS_NUM_THREADS=1 and jemalloc without decay, its best on
  these machines, see PERFORMANCE.md); ratios are against the tuned figure.
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


def mlp_rows(build, rounds):
    tuned = {"OPENBLAS_NUM_THREADS": "1", "LD_PRELOAD": JEMALLOC,
             "MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1"}
    if not os.path.exists(JEMALLOC):
        tuned.pop("LD_PRELOAD")
        tuned.pop("MALLOC_CONF")
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", choices=["matmul", "mlp"], help="run one family of workloads")
    args = p.parse_args()
    global THREADS
    THREADS = args.threads
    cpu = subprocess.run(["sh", "-c", "lscpu | grep -E 'Model name|CPU family|^Model:' | tr -s ' '"],
                         capture_output=True, text=True).stdout.replace("\n", "; ")
    print("CPU: %s %d threads\n" % (cpu, THREADS))
    print("| workload | nabla | peers | ratio |")
    print("|---|---|---|---|")
    rows = [] if args.only == "mlp" else matmul_rows(args.build, args.rounds)
    rows += [] if args.only == "matmul" else mlp_rows(args.build, args.rounds)
    for row in rows:
        print(row, flush=True)


if __name__ == "__main__":
    main()
