#!/usr/bin/env python3
"""Writes PyTorch reference files (float64) for every family: test/golden/<family>.{weights,input,expected}.safetensors.

The serial layer is the torch worker's own module (engine/torch/), computed in float64 on the CPU
from weights drawn here (independent of the TypeScript init), so the golden test checks the engine's
PyTorch names and layouts and its arithmetic against PyTorch itself. Run: /usr/bin/python3 scripts/make-golden.py
"""

from __future__ import annotations

import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "engine", "torch"))
sys.dont_write_bytecode = True

import torch  # noqa: E402

from families import FAMILIES  # noqa: E402
from safetensors_io import save_file  # noqa: E402
from worker import Worker, module_state  # noqa: E402

OUT = os.path.join(HERE, "..", "test", "golden")

# Small shapes (the TypeScript families' `small` configs, every key spelled out).
CONFIGS: dict[str, dict] = {
    "replicate": {"batch": 2, "groups": 4, "channels": 8, "height": 3, "width": 5},
    "bottleneck": {"batch": 2, "groups": 3, "channels": 8, "height": 5, "width": 4, "squeeze": 2},
    "gmp": {"batch": 2, "groups": 3, "channels": 4, "height": 3, "width": 5},
    "class-linear": {"batch": 3, "classesPerGroup": [2, 1, 3], "groupChannels": 6, "classChannels": 4},
    "group-linear": {"batch": 3, "groups": 4, "inFeatures": 6, "outFeatures": 5},
    "batchnorm": {"batch": 3, "groups": 3, "channels": 4, "height": 2, "width": 3},
    "class-head": {"batch": 3, "classes": 4, "classChannels": 6, "reduction": 2},
    "attribute-head": {
        "batch": 2,
        "inChannels": 8,
        "groups": 3,
        "groupChannels": 4,
        "height": 3,
        "width": 3,
        "classesPerGroup": [2, 1, 3],
        "classChannels": 4,
        "squeeze": 2,
        "reduction": 2,
    },
}


def draw(name: str, shape: torch.Size, g: torch.Generator) -> torch.Tensor:
    """Non-trivial values for every tensor kind, so that no layout mistake can hide behind a constant."""
    kind = name.rsplit(".", 1)[-1]
    if kind == "running_var":
        return torch.rand(shape, generator=g, dtype=torch.float64) + 0.5
    if kind == "running_mean":
        return torch.randn(shape, generator=g, dtype=torch.float64) * 0.1
    if len(shape) == 1 and ("bn" in name or "reduce_conv.1" in name) and kind == "weight":
        return torch.rand(shape, generator=g, dtype=torch.float64) + 0.5
    if len(shape) == 1:
        return torch.randn(shape, generator=g, dtype=torch.float64) * 0.1
    fan_in = math.prod(shape[1:])
    return torch.randn(shape, generator=g, dtype=torch.float64) * math.sqrt(2 / fan_in)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    worker = Worker(torch.device("cpu"))
    for index, (name, family) in enumerate(FAMILIES.items()):
        cfg = CONFIGS[name]
        meta = {"format": "fusebench-golden", "family": name, "config": json.dumps(cfg), "torch": torch.__version__}
        g = torch.Generator().manual_seed(1000 + index)
        serial = next(iter(family.implementations.values()))
        weights = {k: draw(k, v.shape, g) for k, v in module_state(serial.build(cfg)).items()}
        x = torch.randn(family.input_shape(cfg), generator=g, dtype=torch.float64)
        base = {"family": name, "implementation": serial.name, "config": cfg, "options": {"dtype": "float64"}}
        tensors = {"input": x, **{f"weight.{k}": v for k, v in weights.items()}}
        loaded, _ = worker.load({**base, "mode": "inference"}, tensors)
        _, inference = worker.result(loaded, {})
        probe = torch.randn(loaded["outputShape"], generator=g, dtype=torch.float64)
        loaded, _ = worker.load({**base, "mode": "training"}, {**tensors, "probe": probe})
        _, training = worker.result(loaded, {})
        expected = {"inference.output": inference["output"], "training.output": training["output"]}
        expected.update({f"training.{k}": v for k, v in training.items() if k.startswith("grad.")})
        save_file(weights, os.path.join(OUT, f"{name}.weights.safetensors"), meta)
        save_file({"input": x, "probe": probe}, os.path.join(OUT, f"{name}.input.safetensors"), meta)
        save_file(expected, os.path.join(OUT, f"{name}.expected.safetensors"), meta)
        print(f"{name}: {len(weights)} weights, output {list(inference['output'].shape)}, {len(expected)} expected tensors")


if __name__ == "__main__":
    main()
