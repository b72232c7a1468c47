"""`fusebench scan --out DIR`: the rewritten model as readable PyTorch source and its weights (docs/scan.md).

Writes ``DIR/fused_model.py`` (a module class whose ``forward`` is the rewritten graph's code, and a
``load()`` that builds it and loads ``DIR/fused.safetensors``), the weights, and the files it imports
beside it (``fusebench_fused.py``, ``fusebench_layers.py``, ``fusebench_safetensors.py``: copies of
Fusebench's, so the rewritten model runs without Fusebench). Modules scan left as they were come from the
user's own file, imported by ``load()``.
"""

from __future__ import annotations

import datetime
import os
import pprint
import shutil
from typing import Any

import torch.fx as fx
from torch import nn

import safetensors_io as st
from scan_sites import Site

HERE = os.path.dirname(os.path.abspath(__file__))

# Names fx's generated code uses, and where they come from in the written file.
STANDARD_GLOBALS = {
    "torch": "import torch",
    "inf": "from math import inf",
    "nan": "from math import nan",
    "NoneType": "NoneType = type(None)",
    "device": "from torch import device",
    "fx_pytree": "import torch.fx._pytree as fx_pytree",
    "pytree": "import torch.utils._pytree as pytree",
}


def _kept(gm: fx.GraphModule, fused: dict[str, Any]) -> list[str]:
    """The paths of the modules and tensors the rewritten graph reads from the original model."""
    paths = {str(n.target) for n in gm.graph.nodes if n.op in ("call_module", "get_attr") and str(n.target).split(".")[0] not in fused}
    return sorted(paths)


def _globals(code: Any) -> list[str]:
    lines: list[str] = []
    for name, obj in code.globals.items():
        if name in STANDARD_GLOBALS:
            lines.append(STANDARD_GLOBALS[name])
        elif getattr(obj, "__module__", None) == "fusebench_user_model":
            lines.append(f"{name} = _from_user({obj.__qualname__!r})")
        elif getattr(obj, "__module__", None) and getattr(obj, "__qualname__", None):
            lines.append(f"{name} = _resolve({obj.__module__!r}, {obj.__qualname__!r})")
        else:
            raise ValueError(f"the rewritten forward uses {name!r} ({type(obj).__name__}), which cannot be written as source")
    return sorted(set(lines))


def source(gm: fx.GraphModule, fused: dict[str, Any], model_file: str, out_dir: str, class_name: str, kwargs: dict[str, Any], sites: list[Site]) -> str:
    code = gm.graph.python_code(root_module="self")
    head, _, body = code.src.partition("def forward(")
    forward = "    def forward(" + body.rstrip().replace("\n", "\n    ")
    rel = os.path.relpath(os.path.abspath(model_file), os.path.abspath(out_dir))
    listed = "\n".join(f"  {s.path}: {s.branches} branches -> {s.family or 'generic'} ({s.implementation})" for s in sites) or "  (none)"
    specs = {name: spec for name, (spec, _) in fused.items()}
    return f'''"""{class_name} from {os.path.basename(model_file)}, its parallel branches fused by `fusebench scan` ({datetime.date.today()}).

Fused sites:
{listed}

    from fused_model import load
    model = load()  # the rewritten nn.Module, weights from fused.safetensors

Modules scan left as they were are built by {os.path.basename(model_file)} itself ({class_name}(**KWARGS)).
"""

import importlib
import importlib.util
import os
import sys

import torch
import torch.fx
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fusebench_fused  # noqa: E402
from fusebench_safetensors import load_file  # noqa: E402

MODEL_FILE = os.path.normpath(os.path.join(HERE, {rel!r}))
CLASS_NAME = {class_name!r}
KWARGS = {pprint.pformat(kwargs, width=100)}
# Modules (and tensors) of the original model the rewritten forward still calls.
KEEP = {pprint.pformat(_kept(gm, fused), width=100)}
# The fused sites: scan_fused.FusedSite specs.
SITES = {pprint.pformat(specs, width=100, sort_dicts=False)}


def _user_module():
    spec = importlib.util.spec_from_file_location("fusebench_user_model", MODEL_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fusebench_user_model"] = module
    sys.path.insert(0, os.path.dirname(MODEL_FILE))
    spec.loader.exec_module(module)
    return module


_user = _user_module()


def _from_user(qualname):
    obj = _user
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _resolve(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


{chr(10).join(_globals(code))}
{head.strip()}


def _get(root, path):
    for part in path.split("."):
        root = getattr(root, part)
    return root


def _attach(root, path, value):
    *parents, last = path.split(".")
    for part in parents:
        if not hasattr(root, part):
            root.add_module(part, nn.Module())
        root = getattr(root, part)
    if isinstance(value, nn.Module):
        root.add_module(last, value)
    elif isinstance(value, nn.Parameter):
        root.register_parameter(last, value)
    else:
        root.register_buffer(last, value)


class Fused{class_name}(nn.Module):
    def __init__(self, original):
        super().__init__()
        for path in KEEP:
            _attach(self, path, _get(original, path))
        for name, spec in SITES.items():
            setattr(self, name, fusebench_fused.FusedSite(spec, original))

{forward}


def load(weights=None, device="cpu"):
    """The rewritten model with its weights (fused.safetensors beside this file unless given), in eval mode."""
    original = getattr(_user, CLASS_NAME)(**KWARGS)
    model = Fused{class_name}(original)
    tensors, _ = load_file(weights or os.path.join(HERE, "fused.safetensors"))
    model.load_state_dict(tensors)
    return model.to(device).eval()
'''


def write(out_dir: str, gm: fx.GraphModule, model: nn.Module, fused: dict[str, Any], source_info: dict[str, Any], sites: list[Site]) -> dict[str, str]:
    """Writes the rewritten model into ``out_dir``; returns what it wrote (name -> path)."""
    os.makedirs(out_dir, exist_ok=True)
    files = {
        "model": os.path.join(out_dir, "fused_model.py"),
        "weights": os.path.join(out_dir, "fused.safetensors"),
    }
    text = source(gm, fused, source_info["file"], out_dir, source_info["className"], source_info["kwargs"], sites)
    _write_text(files["model"], text)
    with open(os.path.join(HERE, "scan_fused.py"), encoding="utf-8") as f:
        _write_text(os.path.join(out_dir, "fusebench_fused.py"), f.read().replace("import layers as L", "import fusebench_layers as L"))
    shutil.copyfile(os.path.join(HERE, "layers.py"), os.path.join(out_dir, "fusebench_layers.py"))
    shutil.copyfile(os.path.join(HERE, "safetensors_io.py"), os.path.join(out_dir, "fusebench_safetensors.py"))
    tmp = files["weights"] + ".partial"
    st.save_file(gm.state_dict(), tmp, {"format": "pt", "model": source_info["className"], "tool": "fusebench scan"})
    os.replace(tmp, files["weights"])
    return files


def _write_text(path: str, text: str) -> None:
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
