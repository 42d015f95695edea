#!/usr/bin/env python3
"""A PruneScope evaluator for PruneScope's own MLP specs, in numpy alone.

    prunescope sensitivity SampleModels/digits-mlp \\
        --evaluator 'python3 evaluators/numpy_mlp.py --model SampleModels/digits-mlp'

It reads model.json, its weights and its dataset exactly as PruneScope does
(the same seeded split, the same normalisation fitted on the training part)
and reports validation top-1 accuracy and mean cross-entropy for the masks
PruneScope sends. Layers: dense, relu, tanh, flatten, dropout (off at
evaluation). It is the evaluator CI tests the protocol with; for a real
PyTorch model use torch_evaluator.py.
"""

import argparse
import csv
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prunescope_protocol import Cancelled, read_safetensors, serve  # noqa: E402

MASK64 = (1 << 64) - 1


class SeededRandom:
    """PruneScope's generator: SplitMix64 seeding xoshiro256**."""

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

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.next() % (i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def read_idx(path, magic):
    with open(path, "rb") as f:
        data = f.read()
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
        raise SystemExit(f"{path}: not an IDX file with magic {magic:#x}")
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


def read_csv(path, header, label_column):
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    names = rows[0] if header else []
    body = rows[1:] if header else rows
    index = names.index(label_column) if isinstance(label_column, str) else (label_column if label_column >= 0 else len(body[0]) + label_column)
    labels = np.array([int(float(row[index])) for row in body])
    features = np.array([[float(v) for k, v in enumerate(row) if k != index] for row in body], dtype=np.float32)
    return features, labels


def load_validation(spec, directory):
    """PruneScope's validation split, normalised as PruneScope normalises it."""
    data = spec["dataset"]
    path = lambda key: os.path.normpath(os.path.join(directory, data[key]))
    if data["format"] == "idx":
        images = read_idx(path("images"), 0x00000803)
        labels = read_idx(path("labels"), 0x00000801).astype(np.int64)
        inputs = images.reshape(len(images), -1).astype(np.float32)
    elif data["format"] == "csv":
        inputs, labels = read_csv(path("file"), data.get("header", True), data.get("labelColumn", -1))
    else:
        raise SystemExit(f"dataset format {data['format']!r} is not supported by this evaluator")
    count = len(labels)
    validation_count = int(np.floor(count * data["validationFraction"] + 0.5))
    order = SeededRandom(data["splitSeed"]).permutation(count)
    train, validation = order[: count - validation_count], order[count - validation_count:]
    norm = data.get("normalisation")
    if norm:
        divide_by = np.float32(norm.get("divideBy", 1))
        mean, std = norm.get("mean"), norm.get("std")
        if norm.get("standardise") and (mean is None or std is None):
            scaled = (inputs[train] / divide_by).astype(np.float64)
            means = scaled.mean(axis=0)
            variance = np.maximum(0, (scaled * scaled).sum(axis=0) / len(train) - means * means)
            deviations = np.sqrt(variance)
            mean = mean if mean is not None else means.astype(np.float32)
            std = std if std is not None else np.where(deviations > 1e-12, deviations, 1).astype(np.float32)
        mean = np.float32(0) if mean is None else np.asarray(mean, dtype=np.float32)
        std = np.float32(1) if std is None else np.asarray(std, dtype=np.float32)
        inputs = (inputs * (np.float32(1) / divide_by) - mean) / std
    return inputs[validation].astype(np.float32), labels[validation]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory or model.json")
    parser.add_argument("--limit", type=int, help="evaluate at most this many validation samples")
    parser.add_argument("--batch", type=int, default=500, help="samples per forward pass")
    args = parser.parse_args()
    spec_path = os.path.join(args.model, "model.json") if os.path.isdir(args.model) else args.model
    with open(spec_path) as f:
        spec = json.load(f)
    directory = os.path.dirname(os.path.abspath(spec_path))
    own = read_safetensors(os.path.join(directory, spec["weights"]))
    inputs, labels = load_validation(spec, directory)
    if args.limit:
        inputs, labels = inputs[: args.limit], labels[: args.limit]
    layers = spec["layers"]
    for layer in layers:
        if layer["kind"] not in ("dense", "relu", "tanh", "flatten", "dropout"):
            raise SystemExit(f"{spec_path}: layer {layer['name']} is {layer['kind']}; this evaluator runs MLPs only")
    prunable = [layer["weight"] for layer in layers if layer["kind"] == "dense"]

    def evaluate(masks, weights, limit, is_cancelled):
        values = dict(own)
        if weights:
            values.update({k: v.astype(np.float32) for k, v in weights.items()})
        for name, mask in masks.items():
            if name not in values:
                raise ValueError(f"mask for unknown tensor {name}")
            values[name] = values[name] * (mask != 0)
        n = len(labels) if not limit else min(limit, len(labels))
        correct, loss = 0, 0.0
        for start in range(0, n, args.batch):
            if is_cancelled():
                raise Cancelled()
            x = inputs[start:min(n, start + args.batch)]
            for layer in layers:
                kind = layer["kind"]
                if kind == "dense":
                    x = x @ values[layer["weight"]].T
                    if layer.get("bias"):
                        x = x + values[layer["bias"]]
                elif kind == "relu":
                    x = np.maximum(x, 0)
                elif kind == "tanh":
                    x = np.tanh(x)
                elif kind == "flatten":
                    x = x.reshape(len(x), -1)
            y = labels[start:start + len(x)]
            shifted = x - x.max(axis=1, keepdims=True)
            loss += float((np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]).sum())
            correct += int((x.argmax(axis=1) == y).sum())
        return {"accuracy": correct / max(n, 1), "loss": loss / max(n, 1)}, n

    serve(
        {
            "name": f"numpy-mlp {spec['name']}",
            "metrics": [{"name": "accuracy", "better": "higher"}, {"name": "loss", "better": "lower"}],
            "tensors": prunable,
            "samples": int(len(labels)),
        },
        evaluate,
    )


if __name__ == "__main__":
    main()
