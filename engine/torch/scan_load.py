"""`fusebench scan`, step 1: the user's model, built, loaded and traced (docs/scan.md).

The user's file is imported in this process (its code runs, as when they train); its weights are read as
data only (safetensors, or a ``torch.save``d state_dict through ``torch.load(weights_only=True)``).
Every failure is a ScanError naming the field (``file``, ``className``, ``kwargs``, ``weights``,
``inputShape``) and the fix; a model fx cannot trace names the module and line fx reports.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from typing import Any, Optional

import torch
import torch.fx as fx
from torch import nn

import safetensors_io as st


class ScanError(Exception):
    """Bad input to scan: ``field`` names what to fix (exit 2)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def import_class(path: str, class_name: str) -> type:
    """``ClassName`` from the file at ``path``, imported under a private module name (its folder first on sys.path)."""
    if not os.path.isfile(path):
        raise ScanError("file", f"{path} is not a file; give the model's .py file as FILE.py:ClassName")
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location("fusebench_user_model", path)
    if spec is None or spec.loader is None:
        raise ScanError("file", f"{path} cannot be imported as Python; give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fusebench_user_model"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        raise ScanError("file", f"importing {path} failed: {type(err).__name__}: {err}{user_line(err, path)}") from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type) or not issubclass(cls, nn.Module):
        classes = sorted(n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == module.__name__)
        found = f"; its nn.Module classes: {', '.join(classes)}" if classes else "; it defines no nn.Module class"
        raise ScanError("className", f"{path} has no nn.Module class {class_name!r}{found}")
    return cls


def user_line(err: BaseException, path: Optional[str]) -> str:
    """' (FILE:LINE: code)' for the last frame of ``err`` in the user's file, or ''."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if path and os.path.abspath(f.filename) == os.path.abspath(path)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {os.path.basename(f.filename)}:{f.lineno}: {(f.line or '').strip()})"


def build_model(cls: type, kwargs: dict[str, Any], path: str) -> nn.Module:
    try:
        return cls(**kwargs)
    except Exception as err:
        raise ScanError("kwargs", f"{cls.__name__}(**kwargs) failed: {type(err).__name__}: {err}{user_line(err, path)}; pass the constructor's arguments with --kwargs JSON") from None


def read_weights(path: str) -> dict[str, torch.Tensor]:
    """A state_dict from safetensors or a torch.save file, read as data only; a `module.` prefix (DataParallel) is dropped."""
    if not os.path.isfile(path):
        raise ScanError("weights", f"{path} is not a file; give a .safetensors or a torch.save()d state_dict (.pt, .pth)")
    try:
        if path.endswith(".safetensors"):
            tensors, _ = st.load_file(path)
        else:
            loaded = torch.load(path, map_location="cpu", weights_only=True)
            if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
                loaded = loaded["state_dict"]
            if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
                raise ScanError("weights", f"{path} does not hold a state_dict (names to tensors); save model.state_dict(), not the model")
            tensors = dict(loaded)
    except ScanError:
        raise
    except Exception as err:
        raise ScanError("weights", f"{path} could not be read as weights: {type(err).__name__}: {err}") from None
    if tensors and all(k.startswith("module.") for k in tensors):
        tensors = {k[len("module.") :]: v for k, v in tensors.items()}
    return tensors


def load_weights(model: nn.Module, tensors: dict[str, torch.Tensor], path: str) -> None:
    """Loads every tensor or none: missing, unexpected and mis-shaped names are all listed."""
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    shapes = sorted(f"{k} {list(tensors[k].shape)} (model: {list(own[k].shape)})" for k in set(own) & set(tensors) if own[k].shape != tensors[k].shape)
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    if unexpected:
        problems.append(f"unexpected {', '.join(unexpected[:5])}{' …' if len(unexpected) > 5 else ''}")
    if shapes:
        problems.append(f"shapes differ: {', '.join(shapes[:3])}")
    if problems:
        raise ScanError("weights", f"{path} does not fit the model: {'; '.join(problems)}; check --kwargs (sizes) and that the file is this model's state_dict")
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in tensors.items()})


class SiteTracer(fx.Tracer):
    """fx's tracer with the candidate branch modules kept whole, and each node tagged with the module whose forward made it."""

    def __init__(self, leaves: set[str]) -> None:
        super().__init__()
        self.leaves = leaves
        self.scope = [""]

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return qualname in self.leaves or super().is_leaf_module(m, qualname)

    def call_module(self, m: nn.Module, forward: Any, args: Any, kwargs: Any) -> Any:
        path = self.path_of_module(m)
        if self.is_leaf_module(m, path):
            return super().call_module(m, forward, args, kwargs)
        self.scope.append(path)
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self.scope.pop()

    def create_node(self, *args: Any, **kwargs: Any) -> fx.Node:
        node = super().create_node(*args, **kwargs)
        node.meta["scope"] = self.scope[-1]
        return node


def trace(model: nn.Module, leaves: set[str], path: str) -> fx.GraphModule:
    """The model's graph with ``leaves`` as single calls; a model fx cannot trace is refused naming the line."""
    tracer = SiteTracer(leaves)
    try:
        graph = tracer.trace(model)
    except Exception as err:
        where = user_line(err, path) or f" (in {tracer.scope[-1] or 'the model'})"
        raise ScanError(
            "file",
            f"torch.fx cannot trace {type(model).__name__}{where}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}; "
            "scan needs a forward fx can trace: loops over a ModuleList are fine; a branch on a tensor's value is not, nor iterating over a tensor or a split (index it: parts[i])",
        ) from None
    return fx.GraphModule(model, graph, class_name=type(model).__name__)


def parse_input_shape(text: Any) -> list[int]:
    if not isinstance(text, list) or not text or not all(isinstance(d, int) and d > 0 for d in text):
        raise ScanError("inputShape", f"input shape must be positive integers such as 2,512,14,14, got {text!r}")
    return text
