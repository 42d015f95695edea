#!/usr/bin/env python3
"""A PruneScope evaluator for any PyTorch model: your model, your data, your metric.

    prunescope open model.safetensors --evaluator \\
        'python3 evaluators/torch_evaluator.py --checkpoint model.safetensors \\
             --model mypkg.models:make_model --data mypkg.data:validation_loader'

--model names a function returning the nn.Module (weights are loaded from
--checkpoint with load_state_dict); --data names a function returning an
iterable of (inputs, targets) batches. Each evaluation applies PruneScope's
masks as torch.nn.utils.prune.custom_from_mask does (weight * mask) to a
copy of the original weights, and reports top-1 accuracy and mean
cross-entropy, or, with --metric module:function, the value
function(outputs, targets) averaged over samples as the primary metric
(--metric-better says which way is better).

It uses a GPU when there is one (--device overrides). Under torchrun it
evaluates data-parallel: every rank takes every world_size-th batch, the
sums are all-reduced, and only rank 0 speaks the protocol.
"""

import argparse
import importlib
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prunescope_protocol import Cancelled, read_safetensors, serve  # noqa: E402


def named(spec):
    module, _, name = spec.partition(":")
    if not name:
        raise SystemExit(f"{spec!r}: give module:function")
    return getattr(importlib.import_module(module), name)


def load_checkpoint(path):
    """The state_dict, and the prefix PruneScope's names carry for it: a
    nested {"state_dict": {...}} reads in PruneScope as "state_dict.<name>"."""
    if path.endswith(".safetensors"):
        return {k: torch.from_numpy(v.copy()) for k, v in read_safetensors(path).items()}, ""
    state = torch.load(path, map_location="cpu", weights_only=True)
    prefix = ""
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            prefix += key + "."
    return state, prefix


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help=".safetensors, .pt or .bin state_dict")
    parser.add_argument("--model", required=True, help="module:function returning the nn.Module")
    parser.add_argument("--data", required=True, help="module:function returning (inputs, targets) batches")
    parser.add_argument("--metric", help="module:function(outputs, targets) -> per-batch mean, the primary metric")
    parser.add_argument("--metric-name", default=None, help="name of --metric (default: the function's name)")
    parser.add_argument("--metric-better", choices=["higher", "lower"], default="higher")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--limit", type=int, help="evaluate at most this many samples")
    args = parser.parse_args()
    sys.path.insert(0, os.getcwd())

    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    rank, world = 0, 1
    if distributed:
        import torch.distributed as dist
        dist.init_process_group("nccl" if args.device.startswith("cuda") else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if args.device.startswith("cuda"):
            args.device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}"

    model = named(args.model)()
    original, prefix = load_checkpoint(args.checkpoint)
    model.load_state_dict(original)
    model.to(args.device).eval()
    # Copies: load_state_dict writes into the parameters, which state_dict() shares.
    original = {k: v.detach().clone() for k, v in model.state_dict().items()}
    loader = named(args.data)()
    metric = named(args.metric) if args.metric else None
    metric_name = args.metric_name or (args.metric.partition(":")[2] if args.metric else "accuracy")

    def run(masks, weights, limit, is_cancelled):
        state = dict(original)
        unprefixed = lambda name: name[len(prefix):] if prefix and name.startswith(prefix) else name
        for name, values in (weights or {}).items():
            name = unprefixed(name)
            state[name] = torch.from_numpy(values.copy()).to(args.device, state[name].dtype)
        for name, mask in masks.items():
            name = unprefixed(name)
            if name not in state:
                raise ValueError(f"mask for unknown tensor {name}")
            state[name] = state[name] * torch.from_numpy(mask.copy()).to(args.device, state[name].dtype)
        model.load_state_dict(state)
        sums = torch.zeros(3, dtype=torch.float64, device=args.device)  # primary, loss, samples
        limit = limit or args.limit
        with torch.no_grad():
            for index, (inputs, targets) in enumerate(loader):
                if rank == 0 and is_cancelled():
                    raise Cancelled()
                if limit and sums[2] * world >= limit:
                    break
                if index % world != rank:
                    continue
                inputs, targets = inputs.to(args.device), targets.to(args.device)
                outputs = model(inputs)
                n = len(targets)
                value = metric(outputs, targets) if metric else (outputs.argmax(1) == targets).float().mean()
                sums += torch.tensor([float(value) * n, float(F.cross_entropy(outputs, targets)) * n, n], dtype=torch.float64, device=args.device)
        if distributed:
            torch.distributed.all_reduce(sums)
        n = max(int(sums[2]), 1)
        return {metric_name: float(sums[0]) / n, "loss": float(sums[1]) / n}, int(sums[2])

    hello = {
        "name": f"torch {args.model}",
        "metrics": [{"name": metric_name, "better": args.metric_better}, {"name": "loss", "better": "lower"}],
        "tensors": [prefix + k for k, v in original.items() if v.dim() >= 2],
    }
    if rank == 0:
        if distributed:
            import torch.distributed as dist

            def shared(masks, weights, limit, is_cancelled):
                dist.broadcast_object_list([("evaluate", masks, weights, limit)], src=0)
                return run(masks, weights, limit, is_cancelled)

            serve(hello, shared)
            dist.broadcast_object_list([("stop", None, None, None)], src=0)
        else:
            serve(hello, run)
    else:
        import torch.distributed as dist
        while True:
            message = [None]
            dist.broadcast_object_list(message, src=0)
            kind, masks, weights, limit = message[0]
            if kind == "stop":
                break
            run(masks, weights, limit, lambda: False)


if __name__ == "__main__":
    main()
