"""The torch device a `--device auto|cpu|cuda:N` names, shared by the worker and scan."""

from __future__ import annotations

import torch


class DeviceError(ValueError):
    """A device this machine does not have; the message names the flag and the fix."""


def pick_device(arg: str) -> torch.device:
    if arg == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if arg == "cpu":
        return torch.device("cpu")
    if arg.startswith("cuda"):
        if not torch.cuda.is_available():
            built = torch.version.cuda or "no CUDA"
            raise DeviceError(f"--device {arg}: CUDA is not available to torch {torch.__version__} (built for {built}); use --device cpu")
        device = torch.device(arg)
        index = device.index or 0
        if index >= torch.cuda.device_count():
            raise DeviceError(f"--device {arg}: this machine has {torch.cuda.device_count()} CUDA device(s)")
        return torch.device("cuda", index)
    raise DeviceError(f"--device must be auto, cpu or cuda:N, got {arg!r}")
