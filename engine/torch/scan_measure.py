"""`fusebench scan --measure`: paired timings of a model against its rewrite (docs/scan.md).

One pass, in this process: the original and the rewritten model alternate within each round (which goes
first alternates too), each sample a block of calls long enough for the clock. The TypeScript side turns
rounds into the sweeps' paired speedup and combines passes run in fresh processes (engine/stats/).
"""

from __future__ import annotations

import copy
import time
from typing import Any, Callable

import torch
from torch import nn



def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _step(model: nn.Module, x: torch.Tensor, mode: str) -> Callable[[], None]:
    """One inference forward, or one training step's forward and backward (gradients reset first)."""
    if mode == "inference":

        def infer() -> None:
            with torch.no_grad():
                model(x)

        return infer
    params = [p for p in model.parameters() if p.requires_grad]

    def train() -> None:
        for p in params:
            p.grad = None
        out = model(x)
        outs = out if isinstance(out, (list, tuple)) else [out]
        sum(o.float().sum() for o in outs if isinstance(o, torch.Tensor) and o.requires_grad).backward()  # type: ignore[union-attr]

    return train


def _peak_bytes(fn: Callable[[], None], device: torch.device) -> Any:
    """CUDA's max allocated bytes above what was allocated before one call; None on CPU (no allocator counter)."""
    if device.type != "cuda":
        return None
    _sync(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    fn()
    _sync(device)
    return int(torch.cuda.max_memory_allocated(device) - before)


def _time_block(fn: Callable[[], None], calls: int, device: torch.device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    _sync(device)
    return (time.perf_counter() - t0) * 1000 / calls


def time_pair(original: nn.Module, fused: nn.Module, input_shape: list[int], mode: str, device: torch.device, settings: dict[str, Any]) -> dict[str, Any]:
    """Rounds of (original ms, fused ms), alternating which goes first, until the time budget or the round cap."""
    a = copy.deepcopy(original).to(device).train(mode == "training")
    b = copy.deepcopy(fused).to(device).train(mode == "training")
    x = torch.randn(input_shape, generator=torch.Generator().manual_seed(3)).to(device)
    fa, fb = _step(a, x, mode), _step(b, x, mode)
    warmup_ms = float(settings.get("warmupMs", 200))
    t0 = time.perf_counter()
    while (time.perf_counter() - t0) * 1000 < warmup_ms:
        fa()
        fb()
    min_sample_ms = float(settings.get("minSampleMs", 2))
    one = max(1e-3, min(_time_block(fa, 1, device), _time_block(fb, 1, device)))
    calls = max(1, int(min_sample_ms / one + 0.999))
    budget_ms = float(settings.get("maxMsPerTarget", 3000))
    max_rounds, min_rounds = int(settings.get("maxRounds", 200)), int(settings.get("minRounds", 10))
    original_ms: list[float] = []
    fused_ms: list[float] = []
    t0 = time.perf_counter()
    while len(original_ms) < max_rounds and (len(original_ms) < min_rounds or (time.perf_counter() - t0) * 1000 < budget_ms):
        if len(original_ms) % 2 == 0:
            ta, tb = _time_block(fa, calls, device), _time_block(fb, calls, device)
        else:
            tb, ta = _time_block(fb, calls, device), _time_block(fa, calls, device)
        original_ms.append(ta)
        fused_ms.append(tb)
    return {
        "mode": mode,
        "originalMs": original_ms,
        "fusedMs": fused_ms,
        "blockSize": calls,
        "memory": {"original": _peak_bytes(fa, device), "fused": _peak_bytes(fb, device)},
    }


def compare(original: nn.Module, fused: nn.Module, input_shape: list[int], modes: tuple[str, ...], device: torch.device, settings: dict[str, Any]) -> dict[str, Any]:
    return {"modes": [time_pair(original, fused, input_shape, m, device, settings) for m in modes]}
