"""Random trained-looking weights for a test model (test/unit/torch/scan.test.ts).

usage: scan_weights.py MODEL.py ClassName KWARGS_JSON OUT(.pt|.safetensors) SEED

Every float parameter and BatchNorm statistic drawn at random (variances positive, counters 5), so a
rewrite that drops a statistic or mixes up branches shows. A .pt file is a torch.save()d state_dict with
DataParallel's `module.` prefix; a .safetensors file is written by engine/torch/safetensors_io.py.
"""

import importlib.util
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "engine", "torch"))
from safetensors_io import save_file  # noqa: E402


def build(path, class_name, kwargs):
    spec = importlib.util.spec_from_file_location("model_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, class_name)(**kwargs)


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    state = {}
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            state[name] = torch.full_like(t, 5)
        elif name.endswith("running_var"):
            state[name] = torch.rand(t.shape, generator=g) + 0.5
        elif t.is_floating_point():
            state[name] = torch.randn(t.shape, generator=g) * 0.5
        else:
            state[name] = t.clone()
    return state


if __name__ == "__main__":
    path, class_name, kwargs, out, seed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    state = randomize(build(path, class_name, kwargs), seed)
    if out.endswith(".pt"):
        torch.save({f"module.{k}": v for k, v in state.items()}, out)
    else:
        save_file(state, out)
