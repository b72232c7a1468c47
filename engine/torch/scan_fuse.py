"""`fusebench scan`, step 3: a fused form per site, the user's weights converted, the graph rewritten (docs/scan.md).

Each fusable site gets a spec (scan_fused.FusedSite's, written into fused_model.py) and conversion rules
(conversions.Rule) between the fused module's tensors and the user's own names, so the same rules carry
the weights over and map gradients and BatchNorm statistics back for the proof.
"""

from __future__ import annotations

import operator
import re
from typing import Any

import torch.fx as fx
from torch import nn

import conversions as cv
from scan_fused import FusedSite
from scan_graph import shape
from scan_sites import Site


def module_name(site: Site) -> str:
    return "fused_" + (re.sub(r"\W+", "_", site.path).strip("_") or "model")


def _renamed(rules: list[cv.Rule], serial_name: Any) -> list[cv.Rule]:
    """Rules with the core's names under ``core.`` and each serial name mapped to the user's full name."""
    return [cv.Rule("core." + r.parallel, tuple(serial_name(s) for s in r.serial), r.build, r.split) for r in rules]


def _norms(modules: list[nn.Module]) -> list[list[float]]:
    return [[m.eps, m.momentum] for m in modules[0].modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def fused_spec(gm: fx.GraphModule, site: Site) -> tuple[dict[str, Any], list[cv.Rule]]:
    """The FusedSite spec and the rules (FusedSite names <-> the model's names) of a fusable site."""
    members, cfg, impl = site.members, site.config or {}, site.implementation
    modules = [gm.get_submodule(m) for m in members]
    branch = shape(site.ends[0]) if site.ends else shape(site.collector)
    out = site.output
    output = [out["kind"], out["dim"]] if out["kind"] in ("cat", "stack") else ["branches"]
    spec: dict[str, Any] = {"groups": site.branches, "input": {"kind": "base"}, "output": output, "pool": out.get("pool") if out.get("tail") == "gmp" else None}
    rules: list[cv.Rule] = []

    def by_index(prefix: str) -> Any:
        """``<prefix>.<i>.<rest>`` -> member i's ``<rest>`` (through the template name map where the family has one)."""

        def name(serial: str) -> str:
            m = re.match(rf"^{re.escape(prefix)}\.(\d+)\.(.+)$", serial)
            assert m, serial
            i, rest = int(m.group(1)), m.group(2)
            own = site.names[i][rest] if site.names else rest
            return f"{members[i]}.{own}"

        return name

    if site.pattern == "replicate":
        spec.update(core="none", natural=output, repeat=output)
        return spec, []
    if site.pattern == "gmp":
        spec.update(core="none", natural=["cat", 1], pool=out["pool"], input={"kind": "slices", "dim": 1, "width": site.input["width"]})
        return spec, []
    if site.family == "bottleneck":
        spec.update(core="bottleneck", args=cfg, natural=["cat", 1], norms=_norms(modules))
        rules = _renamed(cv.bottleneck_rules(cfg, dense=False), by_index("attention_convs"))
    elif site.family == "class-linear":
        spec.update(core="class-linear", args=cfg, natural=["stack", 1])
        rules = _renamed(cv.class_linear_rules(cfg), by_index("class_fcs"))
    elif site.family == "group-linear":
        spec.update(core="group-linear", args=cfg, natural=["cat", 1], input=site.input)
        rules = _renamed(cv.group_linear_rules(cfg), by_index("fcs"))
    elif site.family == "batchnorm":
        spec.update(core="batchnorm", args=cfg, natural=["cat", 1], input=site.input, norms=_norms(modules))
        rules = _renamed(cv.batchnorm_rules(cfg), by_index("bns"))
    elif site.family == "class-head":
        spec.update(core="class-head", args=cfg, natural=["cat", 1])
        rules = _renamed(cv.class_head_rules(cfg), by_index("fcs"))
    elif impl in ("concatConv", "groupedConv"):
        c: nn.Conv2d = modules[0]  # type: ignore[assignment]
        g = site.branches
        grouped = impl == "groupedConv"
        args = {
            "in_channels": c.in_channels * (g if grouped else 1),
            "out_channels": c.out_channels * g,
            "kernel_size": list(c.kernel_size),
            "stride": list(c.stride),
            "padding": c.padding if isinstance(c.padding, str) else list(c.padding),
            "dilation": list(c.dilation),
            "groups": c.groups * (g if grouped else 1),
            "bias": c.bias is not None,
        }
        spec.update(core="conv", args=args, natural=["cat", 1], input=site.input if grouped else {"kind": "base"})
        rules = [cv.concat("core.weight", [f"{m}.weight" for m in members])]
        if c.bias is not None:
            rules.append(cv.concat("core.bias", [f"{m}.bias" for m in members]))
    elif impl == "concatLinear":
        lin: nn.Linear = modules[0]  # type: ignore[assignment]
        rank = len(branch or [])
        spec.update(core="linear", args={"in_features": lin.in_features, "out_features": lin.out_features * site.branches, "bias": lin.bias is not None}, natural=["cat", rank - 1])
        rules = [cv.concat("core.weight", [f"{m}.weight" for m in members])]
        if lin.bias is not None:
            rules.append(cv.concat("core.bias", [f"{m}.bias" for m in members]))
    elif impl == "vmap":
        kind = site.input["kind"]
        in_dim = None if kind == "shared" else 0
        spec.update(core="vmap", args={"template": members[0], "groups": site.branches, "inDim": in_dim}, natural=["stack", 0], input=site.input)
        rules = [cv.stack(f"core.stacked.{n}", [f"{m}.{n}" for m in members]) for n in modules[0].state_dict()]
    else:
        raise ValueError(f"site {site.path} has no fused form")
    return spec, rules


def rewrite(gm: fx.GraphModule, original: nn.Module, sites: list[Site]) -> dict[str, tuple[dict[str, Any], list[cv.Rule]]]:
    """Puts a FusedSite in place of each site's branches in ``gm`` (in place), weights converted; returns name -> (spec, rules)."""
    state = {**dict(gm.named_parameters()), **dict(gm.named_buffers())}
    done: dict[str, tuple[dict[str, Any], list[cv.Rule]]] = {}
    # A site's input may be an earlier site's output (the seed's chain): it reads the fused node instead.
    replaced: dict[fx.Node, fx.Node] = {}
    for site in sites:
        base = replaced.get(site.base, site.base) if site.base is not None else None
        spec, rules = fused_spec(gm, site)
        name = module_name(site)
        fused = FusedSite(spec, original)
        if rules:
            converted = cv.to_parallel({k: v.detach() for k, v in state.items()}, rules)
            missing = fused.load_state_dict(converted, strict=False)
            _check_loaded(site, missing)
        _copy_batches_tracked(gm, site, fused)
        gm.add_submodule(name, fused)
        graph = gm.graph
        if site.collector is not None:
            with graph.inserting_before(site.collector):
                node = graph.call_module(name, (base,))
            site.collector.replace_all_uses_with(node)
            replaced[site.collector] = node
        else:
            first = site.calls[0]
            with graph.inserting_before(first):
                node = graph.call_module(name, (base,))
            for k, end in enumerate(site.ends):
                with graph.inserting_before(first):
                    pick = graph.call_function(operator.getitem, (node, k))
                end.replace_all_uses_with(pick)
        done[name] = (spec, rules)
    gm.graph.eliminate_dead_code()
    gm.delete_all_unused_submodules()
    gm.graph.lint()
    gm.recompile()
    return done


def _check_loaded(site: Site, result: Any) -> None:
    """Every fused tensor but BatchNorm's batch counters comes from the user's weights."""
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise AssertionError(f"site {site.path}: the conversion left {missing or result.unexpected_keys} unset")


def _copy_batches_tracked(gm: fx.GraphModule, site: Site, fused: nn.Module) -> None:
    """BatchNorm's num_batches_tracked (a counter, not a weight): the fused norms take the first branch's."""
    if not site.members:
        return
    own = [m for m in gm.get_submodule(site.members[0]).modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    theirs = [m for m in fused.core.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if isinstance(fused.core, nn.Module) and hasattr(fused.core, "stacked"):
        return  # vmap: the counters are stacked with the other buffers
    for a, b in zip(own, theirs):
        if a.num_batches_tracked is not None and b.num_batches_tracked is not None:
            b.num_batches_tracked.copy_(a.num_batches_tracked)
