"""The evaluator side of PruneScope's evaluator protocol, version 1.

PruneScope starts an evaluator as a child process and speaks JSON lines
with it: one JSON object per line, requests on the evaluator's stdin,
answers on its stdout. The full description, with examples, is in
docs/evaluator-protocol.md. This module has no dependencies beyond the
standard library and numpy, so every evaluator in this folder can use it.

An evaluator calls `serve(hello, evaluate)`:

    serve(
        {"name": "my-model", "metrics": [{"name": "accuracy", "better": "higher"}],
         "tensors": ["fc1.weight"], "samples": 10000},
        evaluate,  # evaluate(masks, weights, limit, is_cancelled) -> (metrics, samples)
    )

`masks` maps tensor names to uint8 numpy arrays (1 keep, 0 pruned);
`weights` is None or a dict of float32 arrays that replace the model's
own (PruneScope sends them after retraining changed the weights).
"""

import json
import select
import struct
import sys
import time

import numpy as np

PROTOCOL_VERSION = 1

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}


class Cancelled(Exception):
    """Raised inside `evaluate` (by `is_cancelled`'s caller) to stop early."""


def read_safetensors(path):
    """Every tensor of a safetensors file as a numpy array (little-endian)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise ValueError(f"{path}: header length {length} runs past the end of the file")
    header = json.loads(data[8:8 + length])
    body = memoryview(data)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {entry['dtype']}")
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = array.reshape(entry["shape"])
    return tensors


def read_masks(path):
    """`<tensor>_mask` entries of a masks file, keyed by tensor name."""
    return {name[: -len("_mask")]: array for name, array in read_safetensors(path).items() if name.endswith("_mask")}


def _send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class _Requests:
    """Lines from stdin, with a non-blocking look for a `cancel` between batches."""

    def __init__(self):
        self.pending = []
        self.buffer = b""
        self.closed = False
        self.stdin = sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, "raw") else sys.stdin.buffer

    def _read(self, timeout):
        if self.closed:
            return False
        ready, _, _ = select.select([self.stdin], [], [], timeout)
        if not ready:
            return False
        chunk = self.stdin.read(65536)
        if not chunk:
            self.closed = True
            return False
        self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            if line.strip():
                self.pending.append(json.loads(line))
        return True

    def next(self):
        while not self.pending:
            if self.closed:
                return None
            self._read(None)
        return self.pending.pop(0)

    def cancelled(self, request_id):
        """Whether a cancel for `request_id` has arrived (reads without blocking)."""
        while self._read(0):
            pass
        for message in self.pending:
            if message.get("type") == "cancel" and message.get("id") == request_id:
                self.pending.remove(message)
                return True
        return False


def serve(hello, evaluate):
    """Says hello, then answers requests until stdin closes or `shutdown` arrives."""
    _send(dict({"type": "hello", "protocol": PROTOCOL_VERSION}, **hello))
    requests = _Requests()
    while True:
        request = requests.next()
        if request is None or request.get("type") == "shutdown":
            return
        kind, request_id = request.get("type"), request.get("id")
        if kind == "cancel":
            continue  # its evaluation already answered
        if kind != "evaluate":
            _send({"type": "error", "id": request_id, "message": f"unknown request type {kind!r}"})
            continue
        started = time.monotonic()
        try:
            masks = read_masks(request["masks"])
            weights = read_safetensors(request["weights"]) if request.get("weights") else None
            metrics, samples = evaluate(masks, weights, request.get("limit"), lambda: requests.cancelled(request_id))
        except Cancelled:
            _send({"type": "cancelled", "id": request_id})
            continue
        except Exception as error:  # one request failed; the evaluator goes on
            _send({"type": "error", "id": request_id, "message": f"{type(error).__name__}: {error}"})
            continue
        _send({
            "type": "result", "id": request_id, "metrics": metrics, "samples": samples,
            "seconds": round(time.monotonic() - started, 6),
        })
