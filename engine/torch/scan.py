#!/usr/bin/env python3
"""`fusebench scan`: find the fusable branches of a user's PyTorch model, rewrite them, prove it (docs/scan.md).

Started by engine/torch/scan.ts as ``python3 scan.py``; reads one JSON request on stdin and writes one JSON
answer on stdout: ``{"ok": true, "result": {...}}`` or ``{"ok": false, "field": ..., "message": ...}`` for
bad input (a ScanError). Anything printed by the user's code goes to stderr. The user's file runs in this
process only.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
import traceback
from typing import Any

import torch
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp

import scan_emit
from devices import DeviceError, pick_device
import scan_measure
from scan_fuse import module_name, rewrite
from scan_load import ScanError, build_model, import_class, load_weights, parse_input_shape, read_weights, trace
from scan_prove import MODES, failure, prove
from scan_sites import Site, candidate_groups, find_sites


def traced_sites(model: nn.Module, groups: list[list[str]], input_shape: list[int], path: str) -> tuple[Any, list[Site], set[str]]:
    """Traces with every candidate group kept whole, then lets go of the groups that are not sites (chained
    blocks) so sites inside them show, until nothing changes. Returns the graph, its sites and the leaves."""
    leaves = {m for g in groups for m in g}
    while True:
        gm = trace(model, leaves, path)
        probe = copy.deepcopy(gm).eval()
        try:
            with torch.no_grad():
                ShapeProp(probe).propagate(torch.randn(input_shape))
        except Exception as err:
            raise ScanError("inputShape", f"the model does not run on input shape {input_shape}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
        _copy_meta(probe, gm)
        sites = find_sites(gm, [g for g in groups if set(g) <= leaves])
        found = {m for s in sites for m in s.members}
        let_go = {m for g in groups for m in g if m in leaves and m not in found and not _is_torch_leaf(model.get_submodule(m))}
        if not let_go:
            return gm, sites, leaves
        leaves -= let_go


def _is_torch_leaf(m: nn.Module) -> bool:
    return m.__module__.startswith("torch.nn") and not isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict))


def _copy_meta(source: Any, target: Any) -> None:
    for a, b in zip(source.graph.nodes, target.graph.nodes):
        b.meta.update({k: v for k, v in a.meta.items() if k not in b.meta})


def fresh_graph(model: nn.Module, leaves: set[str], groups: list[list[str]], input_shape: list[int], path: str) -> tuple[Any, dict[str, Site]]:
    """A new traced copy of the model with its sites, by path (each rewrite works on its own copy)."""
    gm = trace(copy.deepcopy(model), leaves, path)
    probe = copy.deepcopy(gm).eval()
    with torch.no_grad():
        ShapeProp(probe).propagate(torch.randn(input_shape))
    _copy_meta(probe, gm)
    return gm, {s.path: s for s in find_sites(gm, [g for g in groups if set(g) <= leaves])}


class Scanned:
    """The user's model, built and loaded, with its traced sites."""

    def __init__(self, request: dict[str, Any]) -> None:
        file, class_name = request.get("file"), request.get("className")
        if not isinstance(file, str) or not isinstance(class_name, str) or not class_name.isidentifier():
            raise ScanError("className", "give the model as FILE.py:ClassName (ClassName a Python identifier)")
        kwargs = request.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise ScanError("kwargs", f"--kwargs must be a JSON object of constructor arguments, got {json.dumps(kwargs)}")
        self.file, self.class_name, self.kwargs = file, class_name, kwargs
        self.input_shape = parse_input_shape(request.get("inputShape"))
        self.modes = tuple(request.get("modes") or MODES)
        if any(m not in MODES for m in self.modes):
            raise ScanError("mode", f"mode must be inference, training or both, got {', '.join(self.modes)}")
        self.seed = int(request.get("seed", 0))
        try:
            self.device = pick_device(str(request.get("device") or "auto"))
        except DeviceError as err:
            raise ScanError("device", str(err)) from None
        torch.manual_seed(self.seed)
        model = build_model(import_class(file, class_name), kwargs, file)
        weights = request.get("weights")
        if isinstance(weights, str):
            load_weights(model, read_weights(weights), weights)
        self.model = model.eval()
        self.groups = candidate_groups(model)
        self.gm, self.sites, self.leaves = traced_sites(model, self.groups, self.input_shape, file)

    def rewritten(self, paths: list[str]) -> tuple[Any, dict[str, Any]]:
        """A fresh traced copy with the sites at ``paths`` rewritten: (graph module, name -> (spec, rules))."""
        gm, by_path = fresh_graph(self.model, self.leaves, self.groups, self.input_shape, self.file)
        return gm, (rewrite(gm, self.model, [by_path[p] for p in paths]) if paths else {})

    def prove(self, gm: Any, fused: dict[str, Any]) -> dict[str, Any]:
        return prove(self.model, gm, {n: r for n, (_, r) in fused.items()}, self.input_shape, self.modes, self.seed, self.device)


def scan(request: dict[str, Any]) -> dict[str, Any]:
    """Sites, each proved on its own, the model with every proved site (less ``exclude``) rewritten and proved whole."""
    started = time.perf_counter()
    s = Scanned(request)
    rewritable = [site for site in s.sites if site.fusable and not site.chained_to]
    proofs: dict[str, dict[str, Any]] = {}
    for site in rewritable:
        try:
            gm, fused = s.rewritten([site.path])
            proofs[site.path] = s.prove(gm, fused)
        except Exception as err:
            proofs[site.path] = {"pass": False, "error": f"{type(err).__name__}: {err}"}
        why = proofs[site.path].get("error") or failure(proofs[site.path])
        if why:
            site.fusable, site.reason = False, f"rewrite refused: {why}"
    for site in s.sites:
        if site.chained_to:
            owner = next(o for o in s.sites if o.path == site.chained_to)
            site.fusable, site.reason = owner.fusable, owner.reason
    excluded = set(request.get("exclude") or [])
    chosen = [site for site in rewritable if site.fusable and site.path not in excluded]
    gm, fused = s.rewritten([site.path for site in chosen])
    whole = s.prove(gm, fused)
    files: dict[str, str] = {}
    out_dir = request.get("outDir")
    if isinstance(out_dir, str):
        files = scan_emit.write(out_dir, gm, s.model, fused, {"file": s.file, "className": s.class_name, "kwargs": s.kwargs}, chosen)
    reports = []
    for site in s.sites:
        r = site.report()
        if site.path in proofs:
            r["proof"] = proofs[site.path]
        r["module"] = module_name(site) if site in chosen else None
        reports.append(r)
    return {
        "model": f"{os.path.basename(s.file)}:{s.class_name}",
        "inputShape": s.input_shape,
        "modes": list(s.modes),
        "device": str(s.device),
        "torch": torch.__version__,
        "sites": reports,
        "whole": {
            "sitesFused": [site.path for site in chosen],
            "proof": whole,
            "relErr": max(r["float32"]["output"] for r in whole["modes"]),
            "inputGradRelErr": max(r["float32"]["inputGrad"] for r in whole["modes"]),
            "params": {"original": _count(s.model), "fused": _count(gm)},
        },
        "modules": module_tree(s.model),
        "files": files,
        "seconds": time.perf_counter() - started,
    }


MAX_TREE = 500


def module_tree(model: nn.Module) -> list[dict[str, Any]]:
    """The model's modules in order (path, type, own parameter count), for the UI's tree; the first MAX_TREE."""
    out = []
    for path, m in model.named_modules():
        if len(out) >= MAX_TREE:
            break
        out.append({"path": path, "type": type(m).__name__, "params": sum(p.numel() for p in m.parameters(recurse=False))})
    return out


def time_targets(request: dict[str, Any]) -> dict[str, Any]:
    """One measurement pass: each target (one site, or several sites together) against the original model."""
    s = Scanned(request)
    targets = request.get("targets")
    if not isinstance(targets, list) or not all(isinstance(t, dict) and isinstance(t.get("sites"), list) for t in targets):
        raise ScanError("targets", "targets must be a list of {name, sites: [site paths]}")
    known = {site.path for site in s.sites if site.fusable and not site.chained_to}
    out = []
    for t in targets:
        unknown = [p for p in t["sites"] if p not in known]
        if unknown:
            raise ScanError("targets", f"no fusable site {', '.join(unknown)}; the fusable sites are {', '.join(sorted(known))}")
        gm, _ = s.rewritten(t["sites"])
        out.append({"name": t.get("name"), **scan_measure.compare(s.model, gm, s.input_shape, s.modes, s.device, request.get("settings") or {})})
    return {"device": str(s.device), "targets": out}


def _count(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def main() -> int:
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # the user's prints go to stderr; stdout carries the answer only
    try:
        request = json.loads(sys.stdin.read() or "{}")
        command = time_targets if request.get("command") == "time" else scan
        answer: dict[str, Any] = {"ok": True, "result": command(request)}
    except ScanError as err:
        answer = {"ok": False, "field": err.field, "message": str(err)}
    except Exception as err:  # a bug of scan's: the host reports it as internal (exit 3), with the trace
        answer = {"ok": False, "internal": True, "message": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()}
    real_stdout.write(json.dumps(_finite(answer), allow_nan=False) + "\n")
    real_stdout.flush()
    return 0


def _finite(value: Any) -> Any:
    """JSON has no inf or NaN: an error that could not be computed (a missing tensor) is written as null."""
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
