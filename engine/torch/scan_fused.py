"""The fused forms `fusebench scan` puts in place of a model's branches (docs/scan.md).

This file is copied beside every ``fused_model.py`` that scan writes (as ``fusebench_fused.py``, with
Fusebench's layers as ``fusebench_layers.py``), so a rewritten model needs nothing of Fusebench to run.

A ``FusedSite`` computes what a site's cat / stack computed (or every branch's output, stacked) from the
tensor the branches read: a core (a family's parallel module, one wide Conv2d or Linear, or the branch
module vmapped over stacked weights), then the branch outputs' global max pool where the model pooled
each one, then the layout the model asked for.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import nn

import layers as L


def _vmap_api() -> tuple[Any, Any]:
    """(vmap, functional_call): torch.func on torch >= 2.0, functorch and torch.nn.utils.stateless on 1.13."""
    try:
        from torch.func import functional_call, vmap  # type: ignore[attr-defined]

        return vmap, functional_call
    except ImportError:
        from functorch import vmap  # type: ignore[import]
        from torch.nn.utils.stateless import functional_call

        return vmap, functional_call


class VmapBranches(nn.Module):
    """``groups`` copies of one module run as one vmapped call: every parameter and buffer stacked on a new first axis."""

    def __init__(self, template: nn.Module, groups: int, in_dim: Optional[int]) -> None:
        super().__init__()
        self.in_dim = in_dim
        stacked = copy.deepcopy(template)
        for m in stacked.modules():
            for name, p in list(m._parameters.items()):
                if p is not None:
                    m._parameters[name] = nn.Parameter(p.detach().unsqueeze(0).repeat(groups, *([1] * p.dim())).clone())
            for name, b in list(m._buffers.items()):
                if b is not None:
                    m._buffers[name] = b.unsqueeze(0).repeat(groups, *([1] * b.dim())).clone()
        self.stacked = stacked
        # The module run for each branch; its own tensors are never used (not registered: not in the state_dict).
        self._template = [copy.deepcopy(template)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        vmap, functional_call = _vmap_api()
        template = self._template[0].train(self.training)
        tensors = dict(self.stacked.named_parameters())
        tensors.update(dict(self.stacked.named_buffers()))
        return vmap(lambda t, inp: functional_call(template, t, (inp,)), in_dims=(0, self.in_dim))(tensors, x)


def build_core(spec: dict[str, Any], original: Optional[nn.Module] = None) -> nn.Module:
    """The core module of a site from its spec (what scan writes into fused_model.py)."""
    kind, a = spec["core"], spec.get("args", {})
    if kind == "bottleneck":
        core: nn.Module = L.ParallelBottleneck(a["groups"], a["channels"], a["squeeze"], "grouped")
    elif kind == "class-linear":
        core = L.ParallelClassLinear(a["classesPerGroup"], a["groupChannels"], a["classChannels"], "einsum")
    elif kind == "group-linear":
        core = L.ParallelGroupLinear(a["groups"], a["inFeatures"], a["outFeatures"], "einsum")
    elif kind == "batchnorm":
        core = L.FusedBatchNorm(a["groups"], a["channels"])
    elif kind == "class-head":
        core = L.ParallelClassHead(a["classes"], a["classChannels"], a["reduction"], "einsum")
    elif kind == "conv":
        core = nn.Conv2d(**a)
    elif kind == "linear":
        core = nn.Linear(**a)
    elif kind == "vmap":
        if original is None:
            raise ValueError("a vmap site needs the original model (its branch module)")
        core = VmapBranches(original.get_submodule(a["template"]), a["groups"], a["inDim"])
    elif kind == "none":
        core = nn.Identity()
    else:
        raise ValueError(f"unknown fused core {kind!r}")
    norms = [m for m in core.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m, (eps, momentum) in zip(norms, spec.get("norms", [])):
        m.eps, m.momentum = eps, momentum
    return core


def global_max(t: torch.Tensor, pool: str) -> torch.Tensor:
    """The max over the last two axes, as the model computed it (adaptive_max_pool2d's gradient goes to one maximum, amax's is shared)."""
    if pool == "amax":
        return t.amax((-2, -1))
    return F.adaptive_max_pool2d(t.reshape(-1, *t.shape[-3:]), 1).reshape(t.shape[:-2])


class FusedSite(nn.Module):
    """One site: prepare the input, run the core, pool, lay the result out as the model did.

    ``spec``: ``input`` (``shared``, ``slices`` {dim, width, groups} or ``select`` {dim} for cores that
    take the stacked branches; ``base`` for cores that take the tensor the branches sliced), ``natural``
    (the core's output: ["cat", d] or ["stack", d] of the branch outputs), ``pool`` (None, ``adaptive``
    or ``amax``), ``output`` (["cat", d], ["stack", d] or ["branches"]: stacked on axis 0), ``groups``;
    for replicate cores ``repeat``. Nothing depends on the batch or spatial size the scan traced with.
    """

    def __init__(self, spec: dict[str, Any], original: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.spec = spec
        self.core = build_core(spec, original)

    def extra_repr(self) -> str:
        return f"{self.spec['core']} x{self.spec['groups']}, output {self.spec['output']}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.spec
        x = self._input(x)
        if s.get("repeat") is not None:
            kind, dim = s["repeat"]
            if kind == "stack":
                x = x.unsqueeze(dim)
            reps = [1] * x.dim()
            reps[dim] = s["groups"]
            return x.repeat(*reps)
        y = self.core(x)
        if s.get("pool"):
            y = global_max(y, s["pool"])
        return self._layout(y)

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        inp, g = self.spec["input"], self.spec["groups"]
        if inp["kind"] == "slices":
            d, w = inp["dim"], inp["width"]
            x = x.narrow(d, 0, g * w)
            if self.spec["core"] in ("vmap",):
                return x.reshape(*x.shape[:d], g, w, *x.shape[d + 1 :]).movedim(d, 0)
            return x
        if inp["kind"] == "select" and self.spec["core"] == "vmap":
            return x.narrow(inp["dim"], 0, g).movedim(inp["dim"], 0)
        return x

    def _layout(self, y: torch.Tensor) -> torch.Tensor:
        natural, wanted = self.spec["natural"], self.spec["output"]
        if natural == wanted:
            return y
        g = self.spec["groups"]
        # The core's layout -> the branch outputs stacked on a new axis 0 (shapes from the tensor: any batch size).
        kind, d = natural
        if kind == "cat":
            y = y.reshape(*y.shape[:d], g, y.shape[d] // g, *y.shape[d + 1 :]).movedim(d, 0)
        else:
            y = y.movedim(d, 0)
        # -> the model's layout.
        if wanted[0] == "branches":
            return y
        kind, d = wanted
        y = y.movedim(0, d)
        if kind == "cat":
            y = y.flatten(d, d + 1)
        return y
