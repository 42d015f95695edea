#!/usr/bin/env python3
"""Writes a .safetensors checkpoint with N tiny tensors under nested dotted
names, to measure how PruneScope scales with the number of tensors (not
their size): `inspect`, `inspect --json`, `inspect --groups` and the
explorer's first frame.

Names follow a BERT-like layout, one encoder layer at a time until N tensors
are written (the last layer may be cut short):

    encoder.layer.{i}.attention.self.{query,key,value}.{weight,bias}
    encoder.layer.{i}.attention.output.dense.{weight,bias}
    encoder.layer.{i}.attention.output.LayerNorm.{weight,bias}
    encoder.layer.{i}.intermediate.dense.{weight,bias}
    encoder.layer.{i}.output.dense.{weight,bias}
    encoder.layer.{i}.output.LayerNorm.{weight,bias}

Weights are WIDTH x WIDTH, everything else WIDTH long, F32, values from a
seeded generator (same seed, same file). `--short` writes the same tree with
one-letter names (e.{i}.a.q.w ...) so that a header of a million tensors
stays under the format's 100 MB limit.

    python3 scripts/many_tensors.py N OUT.safetensors [--width 2] [--seed 0] [--short]
"""
import argparse, json, random, struct, sys

LAYER = [
    ("attention.self.query.weight", True), ("attention.self.query.bias", False),
    ("attention.self.key.weight", True), ("attention.self.key.bias", False),
    ("attention.self.value.weight", True), ("attention.self.value.bias", False),
    ("attention.output.dense.weight", True), ("attention.output.dense.bias", False),
    ("attention.output.LayerNorm.weight", False), ("attention.output.LayerNorm.bias", False),
    ("intermediate.dense.weight", True), ("intermediate.dense.bias", False),
    ("output.dense.weight", True), ("output.dense.bias", False),
    ("output.LayerNorm.weight", False), ("output.LayerNorm.bias", False),
]
SHORT = {"attention": "a", "self": "s", "query": "q", "key": "k", "value": "v", "output": "o",
         "dense": "d", "LayerNorm": "n", "intermediate": "i", "weight": "w", "bias": "b"}
MAX_HEADER = 100_000_000


def names(count, short):
    prefix = "e." if short else "encoder.layer."
    layer = 0
    written = 0
    while written < count:
        for suffix, is_matrix in LAYER:
            if written == count:
                return
            if short:
                suffix = ".".join(SHORT[part] for part in suffix.split("."))
            yield f"{prefix}{layer}.{suffix}", is_matrix
            written += 1
        layer += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of tensors")
    parser.add_argument("out", help="the .safetensors file to write")
    parser.add_argument("--width", type=int, default=2, help="weights are WIDTH x WIDTH (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--short", action="store_true", help="one-letter name parts")
    args = parser.parse_args()
    if args.count < 0 or args.width < 1:
        sys.exit("many_tensors.py: COUNT must be >= 0 and --width >= 1")
    rng = random.Random(args.seed)
    header = {}
    offset = 0
    chunks = []
    for name, is_matrix in names(args.count, args.short):
        shape = [args.width, args.width] if is_matrix else [args.width]
        elements = args.width * args.width if is_matrix else args.width
        values = [rng.gauss(0.0, 0.05) for _ in range(elements)]
        chunks.append(struct.pack(f"<{elements}f", *values))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * elements]}
        offset += 4 * elements
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    if len(text) > MAX_HEADER:
        sys.exit(f"many_tensors.py: header of {len(text)} bytes is over the 100 MB limit; try --short or fewer tensors")
    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)
    print(f"wrote {args.out}: {args.count} tensors, header {len(text)} bytes, data {offset} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
