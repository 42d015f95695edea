# Regenerates the torch.save fixtures of PyTorchFileTests: .pt/.bin files
# written by PyTorch itself, each with a .safetensors twin holding the same
# tensors as contiguous clones (names dotted as PruneScope flattens them), so
# the test can compare every tensor's dtype, shape and bytes exactly.
# Run: python3 make_torch_pt_fixture.py (torch, safetensors).
from collections import OrderedDict
import torch
from safetensors.torch import save_file

torch.manual_seed(0)


def twin(flat, path):
    """The safetensors twin: contiguous clones (safetensors refuses shared storage)."""
    save_file({k: v.detach().clone().contiguous() for k, v in flat.items()}, path, metadata={"format": "pt"})


# 1. A training checkpoint: a nested state_dict beside non-tensor values,
#    with every dtype PruneScope reads and the views torch.save keeps as views.
base = torch.randn(6, 8)
shared = torch.arange(10, dtype=torch.float32)
state = OrderedDict()
state["fc.weight"] = torch.nn.Parameter(torch.randn(4, 6))  # _rebuild_parameter
state["fc.bias"] = torch.randn(4)
state["half"] = torch.randn(3, 5).to(torch.float16)
state["bhalf"] = torch.randn(5, 3).to(torch.bfloat16)
state["double"] = torch.randn(2, 2, dtype=torch.float64)
state["steps"] = torch.tensor([7, -1, 1 << 40], dtype=torch.int64)
state["ints"] = torch.tensor([[1, -2], [3, 2**31 - 1]], dtype=torch.int32)
state["bytes"] = torch.tensor([0, 1, 255], dtype=torch.uint8)
state["mask"] = torch.tensor([True, False, True])
state["scalar"] = torch.tensor(2.5)
state["empty"] = torch.zeros(0, 3)
state["transposed"] = base.t()  # strides (1, 8): not contiguous
state["slice"] = base[2:5, 1:6]  # storage offset 17, row stride 8
state["expanded"] = torch.randn(3, 1).expand(3, 4)  # stride 0
state["shared.a"] = shared[:6].view(2, 3)  # two tensors on one storage
state["shared.b"] = shared[4:]
checkpoint = {"state_dict": state, "epoch": 3, "name": "fixture", "history": [0.5, 0.25], "best": {"acc": 0.9}}
torch.save(checkpoint, "torch_checkpoint.pt")
twin({"state_dict." + k: v for k, v in state.items()}, "torch_checkpoint.safetensors")

# 2. A Hugging Face style pytorch_model.bin: model.state_dict() (an
#    OrderedDict with _metadata) with the decoder tied to the embeddings.


class TinyLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = torch.nn.Embedding(11, 6)
        self.norm = torch.nn.LayerNorm(6)
        self.layer = torch.nn.ModuleList([torch.nn.Linear(6, 6) for _ in range(2)])
        self.bn = torch.nn.BatchNorm1d(6)
        self.decoder = torch.nn.Linear(6, 11, bias=False)
        self.decoder.weight = self.embeddings.weight  # tied: one storage, two names


model = TinyLM()
torch.save(model.state_dict(), "pytorch_model.bin")
twin(dict(model.state_dict()), "pytorch_model.safetensors")

# 3. Pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE) and
#    dtypes torch writes with _rebuild_tensor_v3 and untyped storages.
recent = {
    "w": torch.randn(3, 4),
    "u16": torch.tensor([1, 65535, 7], dtype=torch.uint16),
    "u32": torch.tensor([4000000000, 1], dtype=torch.uint32),
    "f8": torch.randn(4).to(torch.float8_e4m3fn),
    "f8t": torch.randn(2, 3).to(torch.float8_e5m2).t(),
}
torch.save(recent, "torch_protocol4.pt", pickle_protocol=4)
twin(recent, "torch_protocol4.safetensors")

# 4. The spirals-mlp sample's weights as torch.save writes them, for the
#    end-to-end test that prunes a model whose weights file is a .pt.
from safetensors.torch import load_file

torch.save(load_file("../../../SampleModels/spirals-mlp/weights.safetensors"), "spirals_weights.pt")

# 5. A malicious checkpoint as an attacker makes one with torch.save itself:
#    torch.load(weights_only=False) would run `touch prunescope-pwned`.
import os


class Payload:
    def __reduce__(self):
        return (os.system, ("touch prunescope-pwned",))


torch.save({"fc.weight": torch.zeros(2, 2), "x": Payload()}, "hostile_os_system.pt")
