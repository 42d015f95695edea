#!/usr/bin/env python3
"""The `prunescope bench --sparse` sweep with torch.sparse CSR and scipy.sparse
(optional; needs numpy, and torch and/or scipy; not run in CI).

Loads an MLP sample model (Dense/ReLU/Tanh/Flatten/Dropout layers), prunes
copies by global magnitude (the k = round(s x total) smallest |w| over every
Dense weight become zero, as torch.nn.utils.prune.global_unstructured) to
50, 70, 80, 90, 95, 98 and 99 %, and times the forward pass at batch 1, 16
and 256: the dense torch model (F.linear, OpenBLAS/MKL through torch) against
the same layers with torch.sparse CSR weights (`torch.sparse.mm`, activations
feature-major as PruneScope runs them), and numpy dense (BLAS) against
scipy.sparse CSR. Paired alternating runs (each repeated to last about 50 us),
median of --runs (default 20), with --threads threads. Prints a table, or
JSON in the shape of `prunescope bench --sparse --json` with --json.

    python3 scripts/bench_sparse.py [SampleModels/lenet-300-100] [--runs 20] [--threads 2] [--json]
"""
import argparse, json, os, struct, sys, time

np = None  # numpy, imported by main() once the BLAS thread count is set

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPARSITIES = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
BATCHES = [1, 16, 256]


def read_idx_images(path, count):
    with open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            sys.exit(f"{path}: not an IDX image file")
        data = np.frombuffer(f.read(min(n, count) * rows * cols), dtype=np.uint8)
    return data.reshape(-1, rows * cols).astype(np.float32) / 255.0


def load_model(directory):
    spec_path = os.path.join(directory, "model.json")
    try:
        with open(spec_path) as f:
            spec = json.load(f)
    except OSError as e:
        sys.exit(f"{spec_path}: {e.strerror}")
    from safetensors.numpy import load_file

    tensors = load_file(os.path.join(directory, spec["weights"]))
    layers = []
    for layer in spec["layers"]:
        kind = layer["kind"]
        if kind == "dense":
            bias = tensors[layer["bias"]] if layer.get("bias") else None
            layers.append(("dense", tensors[layer["weight"]].astype(np.float32), bias))
        elif kind in ("relu", "tanh"):
            layers.append((kind, None, None))
        elif kind not in ("flatten", "dropout"):
            sys.exit(f"{spec_path}: layer kind {kind} is not supported here (MLPs only)")
    images = os.path.normpath(os.path.join(directory, spec["dataset"].get("images", "")))
    inputs = read_idx_images(images, max(BATCHES)) if os.path.exists(images) else None
    if inputs is None:
        inputs = np.random.default_rng(0).random((max(BATCHES), layers[0][1].shape[1]), dtype=np.float32)
    return spec["name"], layers, inputs


def global_magnitude(layers, sparsity):
    weights = [w for kind, w, _ in layers if kind == "dense"]
    magnitudes = np.concatenate([np.abs(w).ravel() for w in weights])
    k = int(round(sparsity * magnitudes.size))
    pruned = []
    if k == 0:
        return layers
    # The k smallest |w| (ties broken by position, as a stable sort does).
    order = np.argsort(magnitudes, kind="stable")[:k]
    mask = np.ones(magnitudes.size, dtype=bool)
    mask[order] = False
    offset = 0
    for kind, w, b in layers:
        if kind == "dense":
            keep = mask[offset : offset + w.size].reshape(w.shape)
            offset += w.size
            pruned.append((kind, np.where(keep, w, 0).astype(np.float32), b))
        else:
            pruned.append((kind, w, b))
    return pruned


def paired(runs, dense, sparse):
    """Median dense and sparse seconds per call and median ratio, paired runs."""
    def timed(calls, body):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        return (time.perf_counter() - start) / calls

    warm = min(timed(1, dense), timed(1, sparse))
    calls = max(1, min(1000, int(50e-6 / warm))) if warm > 0 else 1
    d, s = [], []
    for _ in range(runs):
        d.append(timed(calls, dense))
        s.append(timed(calls, sparse))
    ratios = sorted(a / b for a, b in zip(d, s))
    q = lambda v, p: float(np.quantile(v, p))
    return q(d, 0.5), q(s, 0.5), q(ratios, 0.5), (q(ratios, 0.75) - q(ratios, 0.25)) / 2


def torch_rows(layers, inputs, sparsity, runs):
    import torch
    import torch.nn.functional as F

    dense = [(k, torch.from_numpy(w) if w is not None else None, torch.from_numpy(b) if b is not None else None)
             for k, w, b in layers]
    sparse = [(k, w.to_sparse_csr() if w is not None else None, b[:, None] if b is not None else None)
              for k, w, b in dense]

    def act(kind, x):
        return torch.relu(x) if kind == "relu" else torch.tanh(x)

    def forward_dense(x):
        for kind, w, b in dense:
            x = F.linear(x, w, b) if kind == "dense" else act(kind, x)
        return x

    def forward_sparse(xt):
        for kind, w, b in sparse:
            if kind == "dense":
                xt = torch.sparse.mm(w, xt)
                if b is not None:
                    xt = xt + b
            else:
                xt = act(kind, xt)
        return xt

    rows = []
    with torch.inference_mode():
        for batch in BATCHES:
            x = torch.from_numpy(inputs[:batch].copy())
            xt = x.t().contiguous()
            diff = (forward_dense(x) - forward_sparse(xt).t()).abs().max().item()
            if diff > 1e-3:
                sys.exit(f"torch.sparse output differs from dense by {diff}")
            d, s, ratio, spread = paired(runs, lambda: forward_dense(x), lambda: forward_sparse(x.t().contiguous()).t().contiguous())
            rows.append(row(sparsity, batch, "torch-csr", d, s, ratio, spread, runs))
    return rows


def scipy_rows(layers, inputs, sparsity, runs):
    import scipy.sparse

    sparse = [(k, scipy.sparse.csr_matrix(w) if w is not None else None, b[:, None] if b is not None else None)
              for k, w, b in layers]

    def act(kind, x):
        return np.maximum(x, 0) if kind == "relu" else np.tanh(x)

    def forward_dense(x):
        for kind, w, b in layers:
            x = (x @ w.T + (b if b is not None else 0)) if kind == "dense" else act(kind, x)
        return x

    def forward_sparse(xt):
        for kind, w, b in sparse:
            xt = (w @ xt + (b if b is not None else 0)) if kind == "dense" else act(kind, xt)
        return xt

    rows = []
    for batch in BATCHES:
        x = np.ascontiguousarray(inputs[:batch])
        d, s, ratio, spread = paired(runs, lambda: forward_dense(x), lambda: forward_sparse(np.ascontiguousarray(x.T)).T)
        rows.append(row(sparsity, batch, "scipy-csr", d, s, ratio, spread, runs))
    return rows


def row(sparsity, batch, fmt, dense, sparse, ratio, spread, runs):
    return {"sparsity": sparsity, "pruning": "global magnitude", "batch": batch, "format": fmt,
            "dense_ms": dense * 1000, "sparse_ms": sparse * 1000, "speedup": ratio, "spread": spread, "runs": runs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default=os.path.join(ROOT, "SampleModels", "lenet-300-100"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # numpy's and torch's BLAS read these when they load: same threads as PruneScope's.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    global np
    import numpy as np

    name, layers, inputs = load_model(args.model)
    backends = []
    try:
        import torch

        torch.set_num_threads(args.threads)
        backends.append(("torch " + torch.__version__, torch_rows))
    except ImportError:
        print("torch not installed: skipping torch.sparse", file=sys.stderr)
    try:
        import scipy

        backends.append(("scipy " + scipy.__version__, scipy_rows))
    except ImportError:
        print("scipy not installed: skipping scipy.sparse", file=sys.stderr)
    if not backends:
        sys.exit("bench_sparse.py: neither torch nor scipy is installed")
    rows = []
    for sparsity in SPARSITIES:
        pruned = global_magnitude(layers, sparsity)
        for _, run in backends:
            rows += run(pruned, inputs, sparsity, args.runs)
    if args.json:
        print(json.dumps({"model": name, "threads": args.threads, "backends": [b for b, _ in backends], "rows": rows}, indent=2))
        return
    print(f"{name}: {', '.join(b for b, _ in backends)}; {args.threads} threads; median of {args.runs} runs")
    print(f"{'sparsity':>8} {'batch':>5} {'format':>10} {'dense ms':>10} {'sparse ms':>10} {'speed-up':>14}")
    for r in rows:
        print(f"{r['sparsity'] * 100:>7.0f}% {r['batch']:>5} {r['format']:>10} {r['dense_ms']:>10.4f} "
              f"{r['sparse_ms']:>10.4f} {r['speedup']:>8.2f}x ±{r['spread']:.2f}")


if __name__ == "__main__":
    main()
