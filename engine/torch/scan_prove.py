"""`fusebench scan`, step 4: the proof that a rewritten model computes what the user's model does (docs/scan.md).

On one seeded input, in inference (eval) and training (train) mode: the outputs, the input gradient and
every weight gradient (the fused weights' gradients mapped back to the user's names by the conversion
rules), and in training the BatchNorm running statistics after the step. The proof runs in float64, where
a correct rewrite agrees to rounding (~1e-15) and a wrong one does not (~1): it cannot fail a correct
rewrite for an unlucky seed, nor pass a wrong one. The float32 error a user sees is reported beside it.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

import torch
from torch import nn

import conversions as cv

PROOF_TOLERANCE = 1e-8
MODES = ("inference", "training")


def tensors_of(value: Any) -> list[torch.Tensor]:
    """The tensors of a forward's result: a tensor, or tuples, lists and dicts of them."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in tensors_of(v)]
    if isinstance(value, dict):
        return [t for k in sorted(value) for t in tensors_of(value[k])]
    return []


def rel_err(ref: torch.Tensor, got: torch.Tensor) -> float:
    ref, got = ref.detach().double(), got.detach().double()
    if ref.shape != got.shape:
        return float("inf")
    scale = ref.norm().item()
    diff = (ref - got).norm().item()
    return diff / scale if scale > 0 else diff


def map_back(fused: nn.Module, values: dict[str, torch.Tensor], sites: dict[str, list[cv.Rule]]) -> dict[str, torch.Tensor]:
    """Tensors named in the rewritten model -> the user's names: a fused site's through its rules, the rest as they are."""
    out: dict[str, torch.Tensor] = {}
    by_site: dict[str, dict[str, torch.Tensor]] = {}
    for name, t in values.items():
        head, _, rest = name.partition(".")
        if head in sites:
            by_site.setdefault(head, {})[rest] = t
        else:
            out[name] = t
    for head, own in by_site.items():
        out.update(cv.to_serial(own, sites[head]))
    return out


def compare(
    original: nn.Module,
    fused: nn.Module,
    sites: dict[str, list[cv.Rule]],
    input_shape: list[int],
    mode: str,
    dtype: torch.dtype,
    seed: int,
    device: torch.device,
) -> dict[str, Any]:
    """Runs both models on one input in ``mode``; the worst relative error of outputs, input gradient, weight gradients and statistics."""
    a = copy.deepcopy(original).to(device=device, dtype=dtype).train(mode == "training")
    b = copy.deepcopy(fused).to(device=device, dtype=dtype).train(mode == "training")
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(input_shape, generator=g, dtype=dtype).to(device)
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ya, yb = tensors_of(a(xa)), tensors_of(b(xb))
    if len(ya) != len(yb):
        return {"mode": mode, "output": float("inf"), "inputGrad": float("inf"), "weightGrad": float("inf"), "statistics": float("inf"), "where": "the number of outputs"}
    probes = [torch.randn(t.shape, generator=g, dtype=dtype).to(device) for t in ya]
    worst: dict[str, tuple[float, str]] = {"output": (0.0, ""), "inputGrad": (0.0, ""), "weightGrad": (0.0, ""), "statistics": (0.0, "")}

    def note(kind: str, err: float, where: str) -> None:
        if err > worst[kind][0] or err != err:
            worst[kind] = (err, where)

    for k, (ra, rb) in enumerate(zip(ya, yb)):
        note("output", rel_err(ra, rb), f"output {k}")
    differentiable = [(t, p) for t, p in zip(ya, probes) if t.requires_grad]
    if differentiable:
        sum((t * p).sum() for t, p in differentiable).backward()  # type: ignore[union-attr]
        sum((t * p).sum() for t, p in zip(yb, probes) if t.requires_grad).backward()  # type: ignore[union-attr]
        if xa.grad is not None or xb.grad is not None:
            note("inputGrad", rel_err(xa.grad if xa.grad is not None else torch.zeros_like(x), xb.grad if xb.grad is not None else torch.zeros_like(x)), "input")
        grads_b = map_back(b, {n: p.grad for n, p in b.named_parameters() if p.grad is not None}, sites)
        for name, p in a.named_parameters():
            if p.grad is None and name not in grads_b:
                continue
            ga = p.grad if p.grad is not None else torch.zeros_like(p)
            gb = grads_b.get(name)
            note("weightGrad", rel_err(ga, gb) if gb is not None else float("inf"), name)
    if mode == "training":
        stats_b = map_back(b, {n: t for n, t in b.named_buffers() if t.is_floating_point()}, sites)
        for name, t in a.named_buffers():
            if t.is_floating_point() and name in stats_b:
                note("statistics", rel_err(t, stats_b[name]), name)
            elif t.is_floating_point():
                note("statistics", float("inf"), f"{name} (not carried over)")
    out: dict[str, Any] = {"mode": mode}
    for kind, (err, where) in worst.items():
        out[kind] = err
        if where:
            out[f"{kind}Where"] = where
    return out


def prove(
    original: nn.Module,
    fused: nn.Module,
    sites: dict[str, list[cv.Rule]],
    input_shape: list[int],
    modes: tuple[str, ...],
    seed: int,
    device: torch.device,
) -> dict[str, Any]:
    """The proof in float64 per mode (pass when every error <= PROOF_TOLERANCE) and the float32 errors beside it."""
    rows = []
    for mode in modes:
        exact = compare(original, fused, sites, input_shape, mode, torch.float64, seed, device)
        single = compare(original, fused, sites, input_shape, mode, torch.float32, seed, device)
        worst = max(exact[k] for k in ("output", "inputGrad", "weightGrad", "statistics"))
        rows.append({"mode": mode, "pass": worst <= PROOF_TOLERANCE, "float64": exact, "float32": single})
    return {"pass": all(r["pass"] for r in rows), "tolerance": PROOF_TOLERANCE, "seed": seed, "modes": rows}


def failure(proof: dict[str, Any]) -> Optional[str]:
    """One line saying where a failed proof failed, or None when it passed."""
    for row in proof["modes"]:
        if row["pass"]:
            continue
        exact = row["float64"]
        for kind in ("output", "inputGrad", "weightGrad", "statistics"):
            if exact[kind] > PROOF_TOLERANCE or exact[kind] != exact[kind]:
                where = exact.get(f"{kind}Where", "")
                return f"the rewrite does not compute the same function in {row['mode']}: {kind} differs ({where}: relErr {exact[kind]:.2g} in float64)"
    return None
