"""`fusebench scan`: reading a traced graph — slices, shape queries, pools, collectors (docs/scan.md).

Small questions about fx nodes that the site finder (scan_sites.py) asks: is this node an equal slice of
another tensor, a global max pool, a reshape, a cat or stack of which tensors?
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Optional

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn


def shape(node: Any) -> Optional[list[int]]:
    meta = node.meta.get("tensor_meta") if isinstance(node, fx.Node) else None
    return list(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def module_of(gm: fx.GraphModule, node: fx.Node) -> Optional[nn.Module]:
    return gm.get_submodule(node.target) if node.op == "call_module" and isinstance(node.target, str) else None


@dataclass(frozen=True)
class Slice:
    """``base`` sliced on ``dim``: [start, stop), or one index removed (``select``: x[:, i, :])."""

    base: fx.Node
    dim: int
    start: int
    stop: int
    select: bool


def _norm_dim(dim: int, rank: int) -> int:
    return dim + rank if dim < 0 else dim


def slice_of(node: Any) -> Optional[Slice]:
    """The slice ``node`` takes of another tensor along one dimension, or None."""
    if not isinstance(node, fx.Node):
        return None
    if node.op == "call_function" and node.target is operator.getitem:
        base, index = node.args
        if not isinstance(base, fx.Node):
            return None
        if _is_split(base) and isinstance(index, int):
            return _split_slice(base, index)
        base_shape = shape(base)
        if base_shape is None:
            return None
        items = list(index) if isinstance(index, tuple) else [index]
        if Ellipsis in items:
            at = items.index(Ellipsis)
            items = items[:at] + [slice(None)] * (len(base_shape) - len(items) + 1) + items[at + 1 :]
        picked = [(d, it) for d, it in enumerate(items) if not (isinstance(it, slice) and it == slice(None))]
        if len(picked) != 1:
            return None
        d, it = picked[0]
        size = base_shape[d]
        if isinstance(it, int):
            i = _norm_dim(it, size)
            return Slice(base, d, i, i + 1, True)
        if isinstance(it, slice) and it.step in (None, 1) and all(v is None or isinstance(v, int) for v in (it.start, it.stop)):
            start, stop, _ = it.indices(size)
            return Slice(base, d, start, stop, False) if stop > start else None
        return None
    if (node.op == "call_method" and node.target == "narrow") or (node.op == "call_function" and node.target is torch.narrow):
        base, dim, start, length = (list(node.args) + [None] * 4)[:4]
        rank = len(shape(base) or [])
        if isinstance(base, fx.Node) and all(isinstance(v, int) for v in (dim, start, length)) and rank:
            return Slice(base, _norm_dim(dim, rank), start, start + length, False)
    return None


def _is_split(node: fx.Node) -> bool:
    return (node.op == "call_method" and node.target in ("split", "chunk", "tensor_split")) or (
        node.op == "call_function" and node.target in (torch.split, torch.chunk, torch.tensor_split)
    )


def _split_slice(split: fx.Node, index: int) -> Optional[Slice]:
    base = split.args[0]
    parts = split.meta.get("tensor_meta")
    base_shape = shape(base)
    if not isinstance(base, fx.Node) or not isinstance(parts, (tuple, list)) or base_shape is None:
        return None
    dim = split.kwargs.get("dim", split.args[2] if len(split.args) > 2 else 0)
    if not isinstance(dim, int):
        return None
    dim = _norm_dim(dim, len(base_shape))
    sizes = [list(p.shape)[dim] for p in parts]
    start = sum(sizes[:index])
    return Slice(base, dim, start, start + sizes[index], False)


def is_shape_query(node: fx.Node) -> bool:
    """x.size(...), x.shape, x.shape[i], x.dim(): reads a shape, not the values."""
    if node.op == "call_method" and node.target in ("size", "dim"):
        return True
    if node.op == "call_function" and node.target is getattr and node.args[1:] == ("shape",):
        return True
    return node.op == "call_function" and node.target is operator.getitem and isinstance(node.args[0], fx.Node) and is_shape_query(node.args[0])


def value_users(node: fx.Node) -> list[fx.Node]:
    """The users that read ``node``'s values (shape queries left out)."""
    return [u for u in node.users if not is_shape_query(u)]


def pool_kind(gm: fx.GraphModule, node: fx.Node) -> Optional[str]:
    """'adaptive' for a global adaptive max pool (module or function, output 1x1), 'amax' for a max over H and W, else None."""
    m = module_of(gm, node)
    if isinstance(m, nn.AdaptiveMaxPool2d) and m.output_size in (1, (1, 1)) and not m.return_indices:
        return "adaptive"
    if node.op == "call_function" and node.target is F.adaptive_max_pool2d:
        size = node.args[1] if len(node.args) > 1 else node.kwargs.get("output_size")
        return "adaptive" if size in (1, (1, 1), [1, 1]) and not node.kwargs.get("return_indices") else None
    if (node.op == "call_method" and node.target == "amax") or (node.op == "call_function" and node.target is torch.amax):
        dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
        rank = len(shape(node.args[0]) or [])
        if isinstance(dims, (tuple, list)) and rank == 4 and sorted(_norm_dim(d, 4) for d in dims) == [2, 3]:
            return "amax"
    return None


RESHAPES = {"view", "reshape", "flatten", "squeeze"}


def is_reshape(node: fx.Node) -> bool:
    return (node.op == "call_method" and node.target in RESHAPES) or (
        node.op == "call_function" and node.target in (torch.flatten, torch.reshape, torch.squeeze)
    )


def collector_of(node: fx.Node) -> Optional[tuple[str, list[Any], int]]:
    """('cat' | 'stack', the tensors, dim) for torch.cat / torch.stack nodes, else None."""
    if node.op != "call_function" or node.target not in (torch.cat, torch.stack, getattr(torch, "concat", torch.cat)):
        return None
    tensors = node.args[0] if node.args else node.kwargs.get("tensors")
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    if not isinstance(tensors, (list, tuple)) or not isinstance(dim, int):
        return None
    kind = "stack" if node.target is torch.stack else "cat"
    rank = len(shape(node) or []) or 1
    return kind, list(tensors), _norm_dim(dim, rank)


def ancestors(node: fx.Node) -> set[fx.Node]:
    seen: set[fx.Node] = set()
    todo = list(node.all_input_nodes)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(n.all_input_nodes)
    return seen
