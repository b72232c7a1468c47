"""A rewritten model written by `fusebench scan --out DIR` against the user's original (test/unit/torch/scan.test.ts).

usage: check_fused.py DIR MODEL.py ClassName KWARGS_JSON WEIGHTS INPUT_SHAPE

Loads DIR/fused_model.py's load() and the original model with WEIGHTS, runs both on a seeded input (a
batch one larger than the scan traced, to show the rewrite does not depend on it), and prints JSON:
relative errors of the output and the input gradient in eval mode, and of the output in train mode.
"""

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from scan_weights import build  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "..", "engine", "torch"))
from safetensors_io import load_file  # noqa: E402


def rel(a, b):
    return ((a - b).norm() / a.norm()).item()


if __name__ == "__main__":
    out_dir, path, class_name, kwargs, weights, shape = sys.argv[1:7]
    sys.path.insert(0, out_dir)
    import fused_model  # noqa: E402

    fused = fused_model.load()
    original = build(path, class_name, json.loads(kwargs))
    if weights.endswith(".pt"):
        state = {k.removeprefix("module."): v for k, v in torch.load(weights, weights_only=True).items()}
    else:
        state, _ = load_file(weights)
    original.load_state_dict(state)
    dims = [int(d) for d in shape.split(",")]
    dims[0] += 1
    g = torch.Generator().manual_seed(11)
    x = torch.randn(dims, generator=g)
    results = {}
    for mode in ("eval", "train"):
        a, b = original.train(mode == "train"), fused.train(mode == "train")
        xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        ya, yb = a(xa), b(xb)
        probe = torch.randn(ya.shape, generator=g)
        (ya * probe).sum().backward()
        (yb * probe).sum().backward()
        results[mode] = {"output": rel(ya.detach(), yb.detach()), "inputGrad": rel(xa.grad, xb.grad)}
    print(json.dumps(results))
