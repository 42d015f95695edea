"""The digits-mlp sample as a user's PyTorch code would have it: a model
factory and a validation loader, for evaluators/torch_evaluator.py.

    prunescope open SampleModels/digits-mlp/weights.safetensors ...   (see the README)

The validation samples are PruneScope's own split (numpy_mlp.load_validation),
so the torch evaluator's accuracy can be checked against `prunescope eval`.
"""

import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "evaluators"))
from numpy_mlp import load_validation  # noqa: E402


def make_model():
    """nn.Sequential, so the state_dict names are 0.weight, 2.weight, 4.weight as in weights.safetensors."""
    return torch.nn.Sequential(
        torch.nn.Linear(64, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))


def validation_loader(batch=100):
    directory = os.path.join(ROOT, "SampleModels", "digits-mlp")
    with open(os.path.join(directory, "model.json")) as f:
        x, y = load_validation(json.load(f), directory)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return [(x[i:i + batch], y[i:i + batch]) for i in range(0, len(y), batch)]
