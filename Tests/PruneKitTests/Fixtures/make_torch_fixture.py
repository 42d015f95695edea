# Regenerates torch_mlp.safetensors and torch_mlp.json: a checkpoint written
# by PyTorch itself (safetensors.torch.save_file of a state_dict), for
# TorchCheckpointTests. Run: python3 make_torch_fixture.py (torch, safetensors).
# The JSON holds what PyTorch computed: the logits of a fixed input and the
# F16/BF16 tensors converted to float, so the test compares against torch.
import json
import torch
from safetensors.torch import save_file

torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
state = {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
# Tensors a real checkpoint carries besides F32 weights: half precision
# copies and an integer buffer (as BatchNorm's num_batches_tracked).
state["half.weight"] = state["0.weight"].to(torch.float16)
state["bhalf.weight"] = state["0.weight"].to(torch.bfloat16)
state["steps"] = torch.tensor([7, -1, 1 << 40], dtype=torch.int64)
save_file(state, "torch_mlp.safetensors", metadata={"format": "pt"})

x = torch.tensor([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, -2.0]])
with torch.no_grad():
    logits = net(x)
json.dump({
    "torch": torch.__version__,
    "input": x.tolist(),
    "logits": logits.tolist(),
    "half_as_float": state["half.weight"].float().flatten().tolist(),
    "bhalf_as_float": state["bhalf.weight"].float().flatten().tolist(),
    "steps": state["steps"].tolist(),
}, open("torch_mlp.json", "w"), indent=1)
