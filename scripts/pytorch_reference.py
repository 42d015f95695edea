#!/usr/bin/env python3
"""PyTorch reference for PruneScope's figures (optional; needs torch + numpy).

Trains LeNet-300-100 on mnist5k with the recipe of SampleModels/lenet-300-100
(SGD lr 0.05 momentum 0.9, batch 64, 20 epochs, seeded 80/20 split, pixels/255)
and prints validation accuracy and training throughput (samples/s) with the
given thread count, so `prunescope bench` can be compared on the same machine.

    python3 scripts/pytorch_reference.py [--threads 2] [--epochs 20]

With --check-export DIR it checks instead that a `prunescope prune --out DIR`
export works in PyTorch: builds the model of the spec (--spec, else the sample
model named in DIR/report.json) as torch.nn modules named like the tensors,
`load_state_dict(strict=True)` of DIR/model.safetensors, applies every mask
of DIR/masks.safetensors with `torch.nn.utils.prune.custom_from_mask` (the
masked weights must already be zero; the `<tensor>_mask` names must be
PyTorch's buffer names), evaluates on PruneScope's own validation split
(same seeded shuffle, same normalisation) against report.json's accuracy,
and `prune.remove`s the masks again. Exit status 1 on any mismatch.

    python3 scripts/pytorch_reference.py --check-export /tmp/it95 [--spec SampleModels/lenet-300-100/model.json]
"""
import argparse, json, os, struct, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


MASK64 = (1 << 64) - 1


class SeededRandom:
    """PruneKit's SeededRandom (SplitMix64 seeding xoshiro256**), for its splits."""

    def __init__(self, seed):
        z = seed & MASK64
        state = []
        for _ in range(4):
            z = (z + 0x9E3779B97F4A7C15) & MASK64
            x = z
            x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
            state.append(x ^ (x >> 31))
        self.s = state

    def next(self):
        s0, s1, s2, s3 = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK64
        result = (rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.next() % (i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def read_csv(path, header, label_column):
    """PruneKit's CSV reader: numeric cells, one integer label column."""
    rows = [[c.strip().strip('"') for c in line.split(",")] for line in open(path, encoding="utf-8") if line.strip()]
    def numeric(c):
        try:
            float(c)
            return True
        except ValueError:
            return False
    if header is None:
        header = not all(numeric(c) for c in rows[0])
    names = rows[0] if header else []
    body = rows[1:] if header else rows
    if isinstance(label_column, str):
        label = names.index(label_column)
    else:
        label = label_column % len(body[0])
    labels = np.array([int(float(r[label])) for r in body], dtype=np.int64)
    features = np.array([[float(c) for k, c in enumerate(r) if k != label] for r in body], dtype=np.float32)
    return features, labels


def prunescope_validation(spec, spec_dir):
    """The validation samples PruneScope evaluates on: its split and normalisation."""
    d = spec["dataset"]
    fmt = d["format"]
    if fmt == "idx":
        x = read_idx(os.path.join(spec_dir, d["images"])).astype(np.float32)
        y = read_idx(os.path.join(spec_dir, d["labels"])).astype(np.int64)
        x = x.reshape(len(y), -1)
    elif fmt == "csv":
        x, y = read_csv(os.path.join(spec_dir, d["file"]), d.get("header"), d.get("labelColumn", -1))
    else:
        return None  # synthetic generators are PruneScope's own: not rebuilt here
    n = len(y)
    fraction = d.get("validationFraction", 0.2)
    n_val = int(np.floor(n * fraction + 0.5))  # Swift's rounded(): half away from zero
    order = SeededRandom(d.get("splitSeed", 0)).permutation(n)
    train, val = order[:n - n_val], order[n - n_val:]
    norm = d.get("normalisation") or {}
    divide = np.float32(norm.get("divideBy", 1))
    mean, std = norm.get("mean"), norm.get("std")
    if norm.get("standardise") and (mean is None or std is None):
        t = x[train].astype(np.float32) / divide
        m = t.astype(np.float64).mean(0)
        v = np.maximum(0, (t.astype(np.float64) ** 2).mean(0) - m * m)
        mean = mean if mean is not None else m.astype(np.float32)
        std = std if std is not None else np.where(np.sqrt(v) > 1e-12, np.sqrt(v), 1).astype(np.float32)
    mean = np.float32(0) if mean is None else np.asarray(mean, dtype=np.float32)
    std = np.float32(1) if std is None else np.asarray(std, dtype=np.float32)
    xv = (x[val] * (np.float32(1) / divide) - mean) / std
    return xv.reshape([len(val)] + spec["inputShape"]).astype(np.float32), y[val]


def build_torch_model(spec):
    """torch.nn modules for the spec's layers, registered under the tensors' names."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = []

        def forward(self, x):
            for step in self.steps:
                x = step(x)
            return x

    net = Net()
    for layer in spec["layers"]:
        kind, name = layer["kind"], layer["name"]
        if kind in ("dense", "conv2d"):
            weight = layer.get("weight", name + ".weight")
            bias = layer.get("bias", name + ".bias")
            path = weight[:-len(".weight")] if weight.endswith(".weight") else None
            if path is None or (bias is not False and bias != path + ".bias"):
                sys.exit(f"check-export: layer {name}: tensors {weight!r}/{bias!r} are not named like a PyTorch module's weight and bias")
            if kind == "dense":
                module = nn.Linear(layer["inFeatures"], layer["outFeatures"], bias=bias is not False)
            else:
                module = nn.Conv2d(layer["inChannels"], layer["outChannels"], layer["kernelSize"],
                                   stride=layer.get("stride", 1), padding=layer.get("padding", 0), bias=bias is not False)
            parent = net
            *parents, leaf = path.split(".")
            for part in parents:
                if not hasattr(parent, part):
                    parent.add_module(part, nn.Module())
                parent = getattr(parent, part)
            parent.add_module(leaf, module)
            net.steps.append(module)
        elif kind == "relu":
            net.steps.append(F.relu)
        elif kind == "tanh":
            net.steps.append(torch.tanh)
        elif kind == "flatten":
            net.steps.append(lambda x: x.flatten(1))
        elif kind == "maxpool2d":
            net.steps.append(nn.MaxPool2d(layer["kernelSize"], stride=layer.get("stride", layer["kernelSize"])))
        elif kind == "dropout":
            pass  # identity when evaluating
        else:
            sys.exit(f"check-export: layer kind {kind!r} is not known to this script")
    return net


def check_export(directory, spec_path):
    import torch
    from torch.nn.utils import prune
    from safetensors.numpy import load_file

    report = json.load(open(os.path.join(directory, "report.json"), encoding="utf-8"))
    if spec_path is None:
        spec_path = os.path.join(ROOT, "SampleModels", report["model"], "model.json")
        if not os.path.exists(spec_path):
            sys.exit(f"check-export: {directory} was exported from {report['model']!r}, not a sample model; give its --spec")
    spec = json.load(open(spec_path, encoding="utf-8"))
    failures = []

    def check(ok, text):
        print(("ok    " if ok else "FAIL  ") + text)
        if not ok:
            failures.append(text)

    net = build_torch_model(spec)
    state = {k: torch.from_numpy(v.copy()) for k, v in load_file(os.path.join(directory, "model.safetensors")).items()}
    try:
        net.load_state_dict(state, strict=True)
        check(True, f"load_state_dict(strict=True): model.safetensors has exactly the {len(state)} tensors of the module")
    except RuntimeError as error:
        check(False, "load_state_dict(strict=True): " + str(error).replace("\n", " "))
        sys.exit(1)
    plain_keys = sorted(net.state_dict().keys())

    masks = load_file(os.path.join(directory, "masks.safetensors"))
    for key, mask in sorted(masks.items()):
        if not key.endswith("_mask") or key[:-len("_mask")] not in state:
            check(False, f"{key}: not <tensor>_mask of a tensor in model.safetensors")
            continue
        module_path, _, param = key[:-len("_mask")].rpartition(".")
        module = net.get_submodule(module_path)
        if mask.shape != tuple(getattr(module, param).shape) or not np.isin(mask, (0, 1)).all():
            check(False, f"{key}: shape {mask.shape} or values are not a 0/1 mask of {key[:-5]}")
            continue
        prune.custom_from_mask(module, param, mask=torch.from_numpy(mask.astype(np.float32)))
        baked = torch.equal(getattr(module, param), getattr(module, param + "_orig"))
        same_buffer = torch.equal(net.state_dict()[key], torch.from_numpy(mask.astype(np.float32)))
        check(baked and same_buffer,
              f"custom_from_mask({module_path}, {param!r}): {int((mask == 0).sum())} of {mask.size} masked, "
              f"{'zeros already in model.safetensors' if baked else 'masked weights NOT zero in model.safetensors'}, "
              f"buffer {key} {'= the file' if same_buffer else 'differs from the file'}")

    validation = prunescope_validation(spec, os.path.dirname(os.path.abspath(spec_path)))
    expected = report.get("final", {}).get("accuracy")
    if validation is None or expected is None:
        print("skip  accuracy: the dataset is synthetic (or report.json has no final accuracy)")
    else:
        x, y = validation
        with torch.no_grad():
            correct = int((net(torch.from_numpy(x)).argmax(1).numpy() == y).sum())
        want = round(expected * len(y))
        check(abs(correct - want) <= 1,
              f"masked model on PruneScope's validation split: {correct}/{len(y)} = {100 * correct / len(y):.2f} %, "
              f"report.json {want}/{len(y)} = {100 * expected:.2f} %")

    for key in masks:
        module_path, _, param = key[:-len("_mask")].rpartition(".")
        module = net.get_submodule(module_path)
        if hasattr(module, param + "_orig"):
            prune.remove(module, param)
    check(sorted(net.state_dict().keys()) == plain_keys and
          all(torch.equal(net.state_dict()[k], state[k]) for k in plain_keys),
          "prune.remove: plain weight tensors again, equal to model.safetensors")
    print(f"{len(failures)} problem(s)" if failures else "export loads in PyTorch " + torch.__version__)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description="PyTorch reference figures, or a check of a PruneScope export.")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets"))
    ap.add_argument("--check-export", metavar="DIR", help="check a `prunescope prune --out DIR` export in PyTorch instead")
    ap.add_argument("--spec", help="with --check-export: the model.json the export came from (default: the sample model in report.json)")
    args = ap.parse_args()
    if args.check_export:
        sys.exit(check_export(args.check_export, args.spec))
    import torch
    import torch.nn as nn
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = read_idx(os.path.join(args.data, "mnist5k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(os.path.join(args.data, "mnist5k-labels-idx1-ubyte")).astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(y))
    split = int(len(y) * 0.8)
    tr, va = perm[:split], perm[split:]
    xt, yt = torch.from_numpy(x[tr]), torch.from_numpy(y[tr])
    xv, yv = torch.from_numpy(x[va]), torch.from_numpy(y[va])
    model = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rates = []
    for epoch in range(args.epochs):
        order = torch.randperm(len(yt))
        start = time.perf_counter()
        for i in range(0, len(yt), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        rates.append(len(yt) / (time.perf_counter() - start))
    with torch.no_grad():
        acc = (model(xv).argmax(1) == yv).float().mean().item()
        start = time.perf_counter()
        for _ in range(20):
            model(xv[:1000])
        eval_ms = (time.perf_counter() - start) / 20 * 1000
    print(f"pytorch {torch.__version__} threads={args.threads}")
    print(f"validation accuracy: {acc * 100:.2f} %")
    print(f"train throughput (batch 64): median {sorted(rates)[len(rates) // 2]:.0f} samples/s")
    print(f"eval 1000 samples: {eval_ms:.2f} ms")


if __name__ == "__main__":
    main()
