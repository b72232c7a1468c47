"""`fusebench scan`, step 2: the fusable sites of a traced model (docs/scan.md).

A site is a set of branches that one fused op can compute: sibling modules of one structure (a
ModuleList, a Sequential or attributes) each applied to the same tensor or to equal slices of one, their
outputs concatenated, stacked or used one by one; a cat/stack of one tensor (replicate); a global max
pool per channel slice (gmp). Each site names its family where one of Fusebench's families computes it
(the branch is checked against the family's serial module by running both on random weights), its config
from the traced shapes, or why it is not fusable.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Optional

import torch
import torch.fx as fx
from torch import nn

import layers as L
from scan_graph import (
    Slice,
    ancestors,
    collector_of,
    is_reshape,
    module_of,
    pool_kind,
    shape,
    slice_of,
    value_users,
)


@dataclass
class Site:
    path: str
    pattern: str  # identical-branches | replicate | gmp
    branches: int
    family: Optional[str] = None
    implementation: Optional[str] = None
    config: Optional[dict[str, Any]] = None
    fusable: bool = False
    reason: Optional[str] = None
    input: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] = field(default_factory=dict)
    # Graph facts for the rewrite (not reported).
    members: list[str] = field(default_factory=list)
    calls: list[fx.Node] = field(default_factory=list)
    base: Optional[fx.Node] = None
    slices: list[Slice] = field(default_factory=list)
    ends: list[fx.Node] = field(default_factory=list)
    collector: Optional[fx.Node] = None
    # Template state names -> the branch's own, for family forms (one per branch, in order).
    names: list[dict[str, str]] = field(default_factory=list)
    chained_to: Optional[str] = None

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "pattern": self.pattern,
            "branches": self.branches,
            "family": self.family,
            "implementation": self.implementation,
            "config": self.config,
            "fusable": self.fusable,
            "input": self.input,
            "output": self.output,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.chained_to:
            out["chainedTo"] = self.chained_to
        if self.members:
            out["members"] = self.members
        return out


# --- candidate groups: siblings of one structure ---------------------------------------------------


def structure_key(m: nn.Module) -> tuple[Any, ...]:
    """Class tree and child names (hyperparameters and shapes left out: they decide fusable, not candidate)."""
    return (type(m).__qualname__, tuple((n, structure_key(c)) for n, c in m.named_children()))


TRIVIAL = (nn.ReLU, nn.ReLU6, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Identity, nn.Dropout, nn.Softmax)


def candidate_groups(model: nn.Module) -> list[list[str]]:
    """Sibling modules (≥ 2) of one structure under one parent, by path."""
    groups: list[list[str]] = []
    for parent_path, parent in model.named_modules():
        by_key: dict[tuple[Any, ...], list[str]] = {}
        for name, child in parent.named_children():
            if isinstance(child, TRIVIAL) or not any(True for _ in child.parameters()) and not list(child.children()):
                continue
            by_key.setdefault(structure_key(child), []).append(f"{parent_path}.{name}" if parent_path else name)
        groups.extend(paths for paths in by_key.values() if len(paths) >= 2)
    return groups


# --- why two branches differ -------------------------------------------------------------------

PLURAL = {
    "kernel_size": "kernel sizes",
    "stride": "strides",
    "padding": "paddings",
    "dilation": "dilations",
    "groups": "groups",
    "in_channels": "input channels",
    "out_channels": "output channels",
    "in_features": "input features",
    "out_features": "output features",
    "num_features": "feature counts",
    "eps": "eps values",
    "momentum": "momenta",
    "affine": "affine flags",
    "track_running_stats": "track_running_stats flags",
    "padding_mode": "padding modes",
    "output_size": "output sizes",
}


def hyperparameters(m: nn.Module) -> dict[str, Any]:
    hp = {k: v for k, v in vars(m).items() if not k.startswith("_") and k != "training" and isinstance(v, (int, float, bool, str, tuple, type(None)))}
    for name, p in list(m.named_parameters(recurse=False)) + list(m.named_buffers(recurse=False)):
        hp[f"{name} shape"] = tuple(p.shape) if p is not None else None
    return hp


def _show(v: Any) -> str:
    if isinstance(v, tuple) and v and all(x == v[0] for x in v):
        return str(v[0])
    return str(v)


def difference(modules: list[nn.Module], where: str = "") -> Optional[str]:
    """Why the modules are not one structure with one set of hyperparameters ('kernel sizes differ: 1, 3, 5'), or None."""
    types = [type(m).__name__ for m in modules]
    if len(set(types)) > 1:
        return f"module types differ{where}: {', '.join(types)}"
    children = [dict(m.named_children()) for m in modules]
    if len({tuple(c) for c in children}) > 1:
        return f"structures differ{where}: children {'; '.join(', '.join(c) for c in children)}"
    hps = [hyperparameters(m) for m in modules]
    for key in hps[0]:
        values = [hp.get(key) for hp in hps]
        if any(v != values[0] for v in values):
            label = PLURAL.get(key, f"{key} values")
            return f"{label} differ{where}: {', '.join(_show(v) for v in values)}"
    for name in children[0]:
        why = difference([c[name] for c in children], f" in {name}")
        if why:
            return why
    return None


# --- family templates: a branch is a family's branch when it computes the same function --------------


def call_order(m: nn.Module) -> list[str]:
    """The module's leaf submodules in the order its forward calls them (fx), or in registration order where fx cannot trace it."""
    try:
        gm = fx.symbolic_trace(m)
        order = [str(n.target) for n in gm.graph.nodes if n.op == "call_module"]
        named = dict(m.named_modules())
        return list(dict.fromkeys(t for t in order if any(True for _ in named[t].parameters(recurse=False)) or list(named[t].buffers(recurse=False))))
    except Exception:
        return [n for n, c in m.named_modules() if list(c.parameters(recurse=False)) or list(c.buffers(recurse=False))]


def order_names(template: nn.Module, branch: nn.Module) -> Optional[dict[str, str]]:
    """Template state names -> the branch's: their weighted modules paired in call order (same type, same tensor shapes)."""
    t_mods, b_mods = call_order(template), call_order(branch)
    if len(t_mods) != len(b_mods):
        return None
    t_named, b_named = dict(template.named_modules()), dict(branch.named_modules())
    names: dict[str, str] = {}
    for tp, bp in zip(t_mods, b_mods):
        tm, bm = t_named[tp], b_named[bp]
        if type(tm) is not type(bm):
            return None
        t_state, b_state = tm.state_dict(), bm.state_dict()
        if list(t_state) != list(b_state) or any(t_state[k].shape != b_state[k].shape for k in t_state):
            return None
        names.update({f"{tp}.{k}" if tp else k: f"{bp}.{k}" if bp else k for k in t_state})
    if set(names) != set(template.state_dict()) or set(names.values()) != set(branch.state_dict()):
        return None
    return names


def randomized(m: nn.Module, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    out = copy.deepcopy(m)
    with torch.no_grad():
        for name, t in list(out.named_parameters()) + list(out.named_buffers()):
            if not t.is_floating_point():
                continue
            r = torch.rand(t.shape, generator=g, dtype=t.dtype) + 0.5 if name.endswith("running_var") else torch.randn(t.shape, generator=g, dtype=t.dtype) * 0.5
            t.copy_(r)
    return out


def computes_like(template: nn.Module, branch: nn.Module, input_shape: list[int]) -> Optional[dict[str, str]]:
    """The name map when ``template`` loaded with ``branch``'s tensors computes what ``branch`` does (eval and train), else None."""
    names = order_names(template, branch)
    if names is None:
        return None
    probe = randomized(branch, 1).float()
    own = probe.state_dict()
    ref = copy.deepcopy(template).float()
    ref.load_state_dict({tn: own[bn] for tn, bn in names.items()})
    x = torch.randn(input_shape, generator=torch.Generator().manual_seed(2))
    try:
        with torch.no_grad():
            for training in (False, True):
                a, b = copy.deepcopy(probe).train(training), copy.deepcopy(ref).train(training)
                ya, yb = a(x), b(x)
                if ya.shape != yb.shape or not torch.allclose(ya, yb, rtol=1e-4, atol=1e-5):
                    return None
    except Exception:
        return None
    return names


def _weighted(branch: nn.Module, kind: type) -> list[nn.Module]:
    named = dict(branch.named_modules())
    return [named[p] for p in call_order(branch) if isinstance(named[p], kind)]


def _bottleneck_template(branch: nn.Module, channels: int) -> Optional[nn.Module]:
    convs = _weighted(branch, nn.Conv2d)
    if len(convs) != 3:
        return None
    return L.AttentionBottleneck(channels, convs[0].out_channels)


def _class_head_template(branch: nn.Module, channels: int) -> Optional[nn.Module]:
    linears = _weighted(branch, nn.Linear)
    if len(linears) != 3 or linears[2].out_features != 1 or channels % linears[0].out_features:
        return None
    return nn.Sequential(L.ResidualLinearBlock(channels, channels // linears[0].out_features), nn.Linear(channels, 1))


# --- the finder ----------------------------------------------------------------------------------


def _classify_input(calls: list[fx.Node]) -> tuple[dict[str, Any], Optional[fx.Node], list[Slice], Optional[str]]:
    args = [c.args[0] if len(c.args) == 1 and not c.kwargs else None for c in calls]
    if any(a is None for a in args):
        return {"kind": "several"}, None, [], "branches take more than one input"
    if all(a is args[0] for a in args):
        return {"kind": "shared"}, args[0], [], None
    slices = [slice_of(a) for a in args]
    if all(s is not None for s in slices):
        ss: list[Slice] = slices  # type: ignore[assignment]
        base, dim = ss[0].base, ss[0].dim
        if all(s.base is base and s.dim == dim for s in ss):
            if all(s.select for s in ss):
                idx = [s.start for s in ss]
                if idx == list(range(len(idx))):
                    return {"kind": "select", "dim": dim}, base, ss, None
                if idx[0] == 0 and all(b - a in (0, 1) for a, b in zip(idx, idx[1:])):
                    return {"kind": "ragged-select", "dim": dim, "groups": idx[-1] + 1}, base, ss, None
                return {"kind": "different"}, None, [], f"branches read rows {', '.join(map(str, idx))} of one tensor, not one per row in order"
            width = ss[0].stop - ss[0].start
            if not any(s.select for s in ss) and all(s.start == k * width and s.stop == (k + 1) * width for k, s in enumerate(ss)):
                return {"kind": "slices", "dim": dim, "width": width}, base, ss, None
            return {"kind": "different"}, None, [], "branches read slices of one tensor that are not equal and in order"
    names = ", ".join(str(a) for a in args[:4]) + (" …" if len(args) > 4 else "")
    return {"kind": "different"}, None, [], f"branches read different tensors ({names}) that are not equal slices of one"


def _tail(gm: fx.GraphModule, call: fx.Node) -> tuple[fx.Node, Optional[str]]:
    """Follows a branch's output through a global max pool and reshapes: the last node and 'adaptive'/'amax' (or None)."""
    end, pool = call, None
    while True:
        users = value_users(end)
        if len(users) != 1:
            return end, pool
        u = users[0]
        kind = pool_kind(gm, u)
        if kind and pool is None:
            end, pool = u, kind
        elif pool and is_reshape(u):
            end = u
        else:
            return end, pool


def _collect(ends: list[fx.Node]) -> tuple[Optional[fx.Node], dict[str, Any]]:
    """The one cat/stack that gathers ``ends`` in order (directly, or as a cat of consecutive stacks/cats along one dim)."""
    users = [value_users(e) for e in ends]
    if any(len(u) != 1 for u in users):
        return None, {"kind": "per-branch"}
    firsts = [u[0] for u in users]
    top = collector_of(firsts[0])
    if top and all(f is firsts[0] for f in firsts) and top[1] == ends:
        return firsts[0], {"kind": top[0], "dim": top[2]}
    # Nested: consecutive runs stacked (or cat) along dim d, the runs cat along d: the same as one stack (cat) along d.
    runs: list[fx.Node] = []
    for f in firsts:
        if not runs or runs[-1] is not f:
            runs.append(f)
    inner = [collector_of(r) for r in runs]
    if not all(inner) or len({(i[0], i[2]) for i in inner}) != 1:  # type: ignore[index]
        return None, {"kind": "per-branch"}
    if [e for i in inner for e in i[1]] != ends:  # type: ignore[index]
        return None, {"kind": "per-branch"}
    outer_users = [value_users(r) for r in runs]
    if any(len(u) != 1 for u in outer_users) or any(u[0] is not outer_users[0][0] for u in outer_users):
        return None, {"kind": "per-branch"}
    outer = collector_of(outer_users[0][0])
    kind, dim = inner[0][0], inner[0][2]  # type: ignore[index]
    if outer and outer[0] == "cat" and outer[2] == dim and outer[1] == runs:
        return outer_users[0][0], {"kind": kind, "dim": dim, "nested": len(runs)}
    return None, {"kind": "per-branch"}


def branch_site(gm: fx.GraphModule, members: list[str], path: str) -> Optional[Site]:
    """The site of one candidate group, or None when its members are not parallel branches (chained, called twice, unused)."""
    calls = [n for n in gm.graph.nodes if n.op == "call_module" and n.target in members]
    targets = [c.target for c in calls]
    if len(calls) < 2 or len(set(targets)) != len(targets):
        return None
    for c in calls:
        if any(a in calls for a in ancestors(c)):
            return None
    modules = [gm.get_submodule(t) for t in targets]
    site = Site(path=path, pattern="identical-branches", branches=len(calls), members=list(targets), calls=calls)
    site.input, site.base, site.slices, why = _classify_input(calls)
    if site.input["kind"] == "several":
        return None
    ends, pools = zip(*(_tail(gm, c) for c in calls))
    pool = pools[0] if len(set(pools)) == 1 else None
    site.ends = list(ends) if pool else calls
    site.collector, site.output = _collect(site.ends)
    if pool and site.collector is None:
        site.ends = calls
        site.collector, site.output = _collect(calls)
        pool = None
    if pool:
        site.output["tail"] = "gmp"
        site.output["pool"] = pool
    if site.input["kind"] == "different" and site.collector is None:
        return None  # unrelated modules that happen to share a structure
    diff = difference(modules)
    if why or diff:
        site.reason = why or diff
        return site
    assign_family(gm, site, modules)
    return site


def assign_family(gm: fx.GraphModule, site: Site, modules: list[nn.Module]) -> None:
    """Family, implementation and config of a site whose branches are identical; a fused form for every fusable site."""
    m0, x_shape = modules[0], shape(site.calls[0].args[0])
    out, kind = site.output, site.input["kind"]
    base_shape = shape(site.base) if site.base is not None else None
    if x_shape is None or base_shape is None:
        site.reason = "the traced shapes are unknown (the model's forward did not run on the input shape)"
        return
    site.fusable = True
    batch = x_shape[0]
    cat1 = out.get("kind") == "cat" and out.get("dim") == 1
    if kind == "shared" and len(x_shape) == 4 and (cat1 or out.get("tail") == "gmp"):
        template = _bottleneck_template(m0, x_shape[1])
        names = [computes_like(template, m, x_shape) for m in modules] if template is not None else [None]
        if template is not None and all(names) and x_shape[1] % template.conv1.out_channels == 0:
            site.family, site.implementation, site.names = "bottleneck", "parallel.groupedConv", names  # type: ignore[assignment]
            site.config = {
                "batch": batch,
                "groups": site.branches,
                "channels": x_shape[1],
                "height": x_shape[2],
                "width": x_shape[3],
                "squeeze": x_shape[1] // template.conv1.out_channels,
            }
            return
    if isinstance(m0, nn.Linear) and kind in ("select", "ragged-select") and len(base_shape) == 3 and site.input["dim"] == 1 and out.get("dim") == 1:
        counts = [0] * base_shape[1]
        for s in site.slices:
            counts[s.start] += 1
        if all(counts):
            site.family, site.implementation = "class-linear", "parallel.einsum"
            site.config = {"batch": batch, "classesPerGroup": counts, "groupChannels": base_shape[2], "classChannels": m0.out_features}
            return
    if isinstance(m0, nn.Linear) and kind == "slices" and len(base_shape) == 2 and site.input["dim"] == 1 and cat1:
        site.family, site.implementation = "group-linear", "parallel.einsum"
        site.config = {"batch": batch, "groups": site.branches, "inFeatures": site.input["width"], "outFeatures": m0.out_features}
        return
    if isinstance(m0, nn.BatchNorm2d) and kind == "slices" and len(base_shape) == 4 and site.input["dim"] == 1 and cat1:
        site.family, site.implementation = "batchnorm", "parallel.fusedBatchNorm"
        site.config = {"batch": batch, "groups": site.branches, "channels": site.input["width"], "height": base_shape[2], "width": base_shape[3]}
        return
    if kind == "select" and len(base_shape) == 3 and site.input["dim"] == 1 and base_shape[1] == site.branches and cat1:
        template = _class_head_template(m0, base_shape[2])
        names = [computes_like(template, m, x_shape) for m in modules] if template is not None else [None]
        if template is not None and all(names):
            site.family, site.implementation, site.names = "class-head", "parallel.einsum", names  # type: ignore[assignment]
            lin = _weighted(m0, nn.Linear)
            site.config = {"batch": batch, "classes": site.branches, "classChannels": base_shape[2], "reduction": base_shape[2] // lin[0].out_features}
            return
    site.config = {"branches": site.branches, "branchInput": x_shape, "branchOutput": shape(site.calls[0])}
    if isinstance(m0, nn.Conv2d) and kind == "shared" and cat1 and m0.padding_mode == "zeros":
        site.implementation = "concatConv"
        return
    if isinstance(m0, nn.Conv2d) and kind == "slices" and site.input["dim"] == 1 and cat1 and m0.padding_mode == "zeros":
        site.implementation = "groupedConv"
        return
    if isinstance(m0, nn.Linear) and kind == "shared" and out.get("kind") == "cat" and out.get("dim") == len(x_shape) - 1:
        site.implementation = "concatLinear"
        return
    if kind in ("shared", "slices", "select"):
        site.implementation = "vmap"
        return
    site.fusable, site.config = False, None
    site.reason = f"no fused form for branches reading {kind} inputs"


def replicate_sites(gm: fx.GraphModule) -> list[Site]:
    """cat/stack of one tensor k times: in one call (cat([x] * k)) or as the seed's loop (cat((r, x)) k-1 times)."""
    sites: list[Site] = []
    chained: set[fx.Node] = set()
    for node in gm.graph.nodes:
        c = collector_of(node)
        if not c:
            continue
        kind, tensors, dim = c
        count, base = 0, None
        if len(tensors) >= 2 and all(t is tensors[0] for t in tensors):
            count, base = len(tensors), tensors[0]
        elif kind == "cat" and len(tensors) == 2:
            left, right = tensors
            inner = collector_of(left) if isinstance(left, fx.Node) else None
            if left is right:
                count, base = 2, right
            elif inner and left in chained and inner[0] == "cat" and inner[2] == dim and left.meta.get("copies_of") is right:
                count, base = left.meta["copies"] + 1, right
        if base is None:
            continue
        node.meta["copies"], node.meta["copies_of"] = count, base
        chained.add(node)
    for node in chained:
        # Report the end of each chain only.
        if any(u in chained for u in node.users):
            continue
        kind, _, dim = collector_of(node)  # type: ignore[misc]
        base = node.meta["copies_of"]
        x = shape(base) or []
        site = Site(path=_scope(node), pattern="replicate", branches=node.meta["copies"], calls=[node], base=base, collector=node)
        site.input, site.output = {"kind": "shared"}, {"kind": kind, "dim": dim}
        site.fusable, site.implementation = True, "parallel.tile"
        if kind == "cat" and dim == 1 and len(x) == 4:
            site.family = "replicate"
            site.config = {"batch": x[0], "groups": site.branches, "channels": x[1], "height": x[2], "width": x[3]}
        sites.append(site)
    return sites


def _scope(node: fx.Node) -> str:
    """Where a function call sits: `<module path>:<node>` (`forward:cat_2` in the model's own forward)."""
    return f"{node.meta.get('scope') or 'forward'}:{node.name}"


def pool_sites(gm: fx.GraphModule, taken: set[fx.Node]) -> list[Site]:
    """A global max pool per equal channel slice of one tensor, pooled outputs (reshaped to [B, C]) gathered by one cat/stack."""
    sites: list[Site] = []
    for node in gm.graph.nodes:
        c = collector_of(node)
        if not c or node in taken or len(c[1]) < 2:
            continue
        kind, ends, dim = c
        pools, slices = [], []
        for e in ends:
            n = e
            while isinstance(n, fx.Node) and is_reshape(n):
                n = n.args[0]
            p = pool_kind(gm, n) if isinstance(n, fx.Node) else None
            s = slice_of(n.args[0]) if p else None
            if not p or s is None or s.select:
                break
            pools.append(p)
            slices.append(s)
        else:
            width = slices[0].stop - slices[0].start
            base = slices[0].base
            x = shape(base) or []
            ok = all(s.base is base and s.dim == 1 and s.start == k * width and s.stop == (k + 1) * width for k, s in enumerate(slices))
            if not ok or len(x) != 4 or len(set(pools)) != 1 or [len(shape(e) or []) for e in ends] != [2] * len(ends):
                continue
            first = ends[0]
            while is_reshape(first):
                first = first.args[0]
            path = str(first.target) if first.op == "call_module" else _scope(node)
            site = Site(path=path, pattern="gmp", branches=len(ends), base=base, collector=node, ends=list(ends))
            site.input = {"kind": "slices", "dim": 1, "width": width}
            site.output = {"kind": kind, "dim": dim, "pool": pools[0]}
            site.fusable, site.family, site.implementation = True, "gmp", "parallel.fusedMax"
            site.config = {"batch": x[0], "groups": len(ends), "channels": width, "height": x[2], "width": x[3]}
            sites.append(site)
    return sites


def chained_pool_site(site: Site, gm: fx.GraphModule) -> Optional[Site]:
    """The gmp that follows each branch of ``site`` (the seed's attention branches), reported as its own site and fused with it."""
    if site.output.get("tail") != "gmp":
        return None
    y = shape(site.calls[0]) or []
    pooled = site.ends[0]
    pool_node = pooled
    while is_reshape(pool_node):
        pool_node = pool_node.args[0]  # type: ignore[assignment]
    path = str(pool_node.target) if pool_node.op == "call_module" else _scope(pool_node)
    gmp = Site(path=path, pattern="gmp", branches=site.branches, chained_to=site.path)
    gmp.input = {"kind": "per-branch", "of": site.path}
    gmp.output = {k: v for k, v in site.output.items() if k in ("kind", "dim")}
    gmp.fusable, gmp.reason = site.fusable, site.reason
    if len(y) == 4:
        gmp.family, gmp.implementation = "gmp", "parallel.fusedMax"
        gmp.config = {"batch": y[0], "groups": site.branches, "channels": y[1], "height": y[2], "width": y[3]}
    return gmp


def find_sites(gm: fx.GraphModule, groups: list[list[str]]) -> list[Site]:
    sites: list[Site] = []
    for members in groups:
        site = branch_site(gm, members, group_path(members, groups))
        if site:
            sites.append(site)
            chained = chained_pool_site(site, gm)
            if chained:
                sites.append(chained)
    taken = {s.collector for s in sites if s.collector is not None}
    reps = [s for s in replicate_sites(gm) if s.collector not in taken]
    taken |= {s.collector for s in reps}
    return sites + reps + pool_sites(gm, taken)


def group_path(members: list[str], groups: list[list[str]]) -> str:
    """A site's name: its container (`attention_convs`), or its members where they are attributes (`a+b+c`)."""
    parent, _, _ = members[0].rpartition(".")
    siblings = [g for g in groups if g[0].rpartition(".")[0] == parent]
    from_list = all(m.rpartition(".")[2].isdigit() for m in members)
    if from_list and len(siblings) == 1 and parent:
        return parent
    names = "+".join(m.rpartition(".")[2] for m in members)
    return f"{parent}.{names}" if parent else names
