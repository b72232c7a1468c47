"""Serial <-> parallel weight conversion in PyTorch idiom (cat, stack, block-diagonal), per layout.

A layout is a list of rules; each rule builds one parallel tensor from some serial tensors and splits
it back. Every rule is pure data movement, so ``to_serial`` is both the inverse of ``to_parallel``
(serial -> parallel -> serial gives the same tensors) and its adjoint: it maps the gradients of the
parallel parameters to the gradients of the serial ones (block-diagonal kernels drop their
off-diagonal gradients, which no serial weight owns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch

Tensors = dict[str, torch.Tensor]
BN_TENSORS = ("weight", "bias", "running_mean", "running_var")


@dataclass(frozen=True)
class Rule:
    parallel: str
    serial: tuple[str, ...]
    build: Callable[[list[torch.Tensor]], torch.Tensor]
    split: Callable[[torch.Tensor], list[torch.Tensor]]


def concat(parallel: str, serial: Sequence[str], dim: int = 0, unsqueeze: bool = False) -> Rule:
    """The serial tensors side by side along ``dim`` (e.g. a grouped conv's output channels)."""

    def build(ts: list[torch.Tensor]) -> torch.Tensor:
        out = torch.cat(ts, dim)
        return out.unsqueeze(-1) if unsqueeze else out

    def split(t: torch.Tensor) -> list[torch.Tensor]:
        t = t.squeeze(-1) if unsqueeze else t
        return list(torch.chunk(t, len(serial), dim))

    return Rule(parallel, tuple(serial), build, split)


def stack(parallel: str, serial: Sequence[str], transpose: bool = False, row: bool = False) -> Rule:
    """The serial tensors on a new leading axis; ``transpose`` turns Linear [out, in] into [in, out], ``row`` takes a [1, c] weight as [c]."""

    def build(ts: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack([t.t() if transpose else t[0] if row else t for t in ts])

    def split(t: torch.Tensor) -> list[torch.Tensor]:
        return [p.t() if transpose else p.unsqueeze(0) if row else p for p in t.unbind(0)]

    return Rule(parallel, tuple(serial), build, split)


def block_diagonal(parallel: str, serial: Sequence[str]) -> Rule:
    """Kernels [o, i, ...] on the diagonal of one dense kernel [g*o, g*i, ...], zeros elsewhere."""

    def build(ts: list[torch.Tensor]) -> torch.Tensor:
        o, i = ts[0].shape[0], ts[0].shape[1]
        out = ts[0].new_zeros((len(ts) * o, len(ts) * i, *ts[0].shape[2:]))
        for k, t in enumerate(ts):
            out[k * o : (k + 1) * o, k * i : (k + 1) * i] = t
        return out

    def split(t: torch.Tensor) -> list[torch.Tensor]:
        g = len(serial)
        o, i = t.shape[0] // g, t.shape[1] // g
        return [t[k * o : (k + 1) * o, k * i : (k + 1) * i] for k in range(g)]

    return Rule(parallel, tuple(serial), build, split)


def same(name: str, serial: str) -> Rule:
    return Rule(name, (serial,), lambda ts: ts[0], lambda t: [t])


def prefixed(rules: Sequence[Rule], parallel_prefix: str, serial_prefix: str) -> list[Rule]:
    return [Rule(parallel_prefix + r.parallel, tuple(serial_prefix + s for s in r.serial), r.build, r.split) for r in rules]


def batch_norms(parallel: str, serial: Sequence[str]) -> list[Rule]:
    """g BatchNorm2d(C) -> one BatchNorm2d(g*C): every tensor concatenated, running statistics included."""
    return [concat(f"{parallel}.{t}", [f"{s}.{t}" for s in serial]) for t in BN_TENSORS]


def to_parallel(serial: Tensors, rules: Sequence[Rule]) -> Tensors:
    return {r.parallel: r.build([serial[s] for s in r.serial]).contiguous() for r in rules}


def to_serial(parallel: Tensors, rules: Sequence[Rule]) -> Tensors:
    """Rules whose parallel tensor is present are split back (gradients have no buffers)."""
    out: Tensors = {}
    for r in rules:
        if r.parallel in parallel:
            for name, t in zip(r.serial, r.split(parallel[r.parallel])):
                out[name] = t.contiguous()
    return out


# --- the layouts, one per parallel weight form (names as in docs/pytorch.md) --------------------


def bottleneck_rules(cfg: dict, dense: bool) -> list[Rule]:
    g = cfg["groups"]
    branch = [f"attention_convs.{i}" for i in range(g)]
    conv = block_diagonal if dense else concat
    return [
        concat("conv1.weight", [f"{b}.conv1.weight" for b in branch]),
        *batch_norms("bn1", [f"{b}.bn1" for b in branch]),
        conv("conv2.weight", [f"{b}.conv2.weight" for b in branch]),
        *batch_norms("bn2", [f"{b}.bn2" for b in branch]),
        conv("conv3.weight", [f"{b}.conv3.weight" for b in branch]),
        *batch_norms("bn3", [f"{b}.bn3" for b in branch]),
    ]


def class_linear_rules(cfg: dict) -> list[Rule]:
    n = sum(cfg["classesPerGroup"])
    return [
        stack("weight", [f"class_fcs.{k}.weight" for k in range(n)], transpose=True),
        stack("bias", [f"class_fcs.{k}.bias" for k in range(n)]),
    ]


def group_linear_rules(cfg: dict) -> list[Rule]:
    g = cfg["groups"]
    return [stack("weight", [f"fcs.{i}.weight" for i in range(g)], transpose=True), stack("bias", [f"fcs.{i}.bias" for i in range(g)])]


def group_linear_conv1d_rules(cfg: dict, dense: bool) -> list[Rule]:
    g = cfg["groups"]
    weights = [f"fcs.{i}.weight" for i in range(g)]
    if dense:
        diag = block_diagonal("fc.weight", weights)
        weight = Rule("fc.weight", diag.serial, lambda ts: diag.build(ts).unsqueeze(-1), lambda t: diag.split(t.squeeze(-1)))
    else:
        weight = concat("fc.weight", weights, unsqueeze=True)
    return [weight, concat("fc.bias", [f"fcs.{i}.bias" for i in range(g)])]


def batchnorm_rules(cfg: dict) -> list[Rule]:
    return batch_norms("bn", [f"bns.{i}" for i in range(cfg["groups"])])


def class_head_rules(cfg: dict) -> list[Rule]:
    n = cfg["classes"]
    per = [f"fcs.{k}" for k in range(n)]
    return [
        stack("fc1.weight", [f"{p}.0.fc1.weight" for p in per], transpose=True),
        stack("fc1.bias", [f"{p}.0.fc1.bias" for p in per]),
        stack("fc2.weight", [f"{p}.0.fc2.weight" for p in per], transpose=True),
        stack("fc2.bias", [f"{p}.0.fc2.bias" for p in per]),
        stack("out.weight", [f"{p}.1.weight" for p in per], row=True),
        concat("out.bias", [f"{p}.1.bias" for p in per]),
    ]


def attribute_head_rules(cfg: dict, dense: bool) -> list[Rule]:
    parts = attribute_head_parts(cfg)
    reduce = [same("reduce_conv.0.weight", "reduce_conv.0.weight")] + [same(f"reduce_conv.1.{t}", f"reduce_conv.1.{t}") for t in BN_TENSORS]
    return [
        *reduce,
        *prefixed(bottleneck_rules(parts["bottleneck"], dense), "branches.", "branches."),
        *prefixed(class_linear_rules(parts["classLinear"]), "class_linear.", "class_linear."),
        *prefixed(class_head_rules(parts["classHead"]), "head.", "head."),
    ]


def attribute_head_parts(cfg: dict) -> dict[str, dict]:
    """The configs of the attribute head's parts, as the TypeScript family splits them."""
    return {
        "bottleneck": {"groups": cfg["groups"], "channels": cfg["groupChannels"], "squeeze": cfg["squeeze"]},
        "classLinear": {"classesPerGroup": cfg["classesPerGroup"]},
        "classHead": {"classes": sum(cfg["classesPerGroup"])},
    }
