"""A PyTorch user's model and checkpoint, written apart from Fusebench's own modules (docs/pytorch.md walks through it).

A small network whose head is the seed's loop of attention bottlenecks at odd sizes (5 branches, 24
channels, 7x9 maps), wrapped in DataParallel as many training scripts do, trained for a few steps so
that BatchNorm's running statistics and int64 num_batches_tracked counters are real. It saves what
``fusebench verify --expected`` needs: the whole model's state_dict (``model.safetensors``), the input
that reaches the head and a probe (``x.safetensors``), and what the head computed on them in one
training step (``y.safetensors``: output, gradients, running statistics after the step), plus an
inference output (``y-eval.safetensors``).

    python3 user_checkpoint.py OUT_DIR [--nudge]   # --nudge: one weight of the saved checkpoint moved by 1e-3
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "engine", "torch"))
try:  # the safetensors package where it is installed; Fusebench's own writer of the same format otherwise
    from safetensors.torch import save_file
except ImportError:
    from safetensors_io import save_file

GROUPS, CHANNELS, PLANES, H, W, BATCH = 5, 24, 12, 7, 9, 3


class Branch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(CHANNELS, PLANES, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(PLANES)
        self.conv2 = nn.Conv2d(PLANES, PLANES, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(PLANES)
        self.conv3 = nn.Conv2d(PLANES, CHANNELS, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(CHANNELS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        return F.relu(self.bn3(self.conv3(y)) + x)


class Head(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention_convs = nn.ModuleList([Branch() for _ in range(GROUPS)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.attention_convs], dim=1)


class Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, CHANNELS, 3, padding=1)
        self.head = Head()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(F.relu(self.stem(image)))


def main(out: str, nudge: bool) -> None:
    torch.manual_seed(20261202)
    model = nn.DataParallel(Model())  # its state_dict names start with "module."
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        loss = model(torch.randn(BATCH, 3, H, W)).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    if nudge:
        state["module.head.attention_convs.2.conv2.weight"][0, 0, 1, 1] += 1e-3
    save_file(state, os.path.join(out, "model.safetensors"))

    head = model.module.head
    x = F.relu(model.module.stem(torch.randn(BATCH, 3, H, W))).detach()
    probe = torch.randn(BATCH, GROUPS * CHANNELS, H, W)
    save_file({"input": x.contiguous(), "probe": probe.contiguous()}, os.path.join(out, "x.safetensors"))

    head.eval()
    with torch.no_grad():
        save_file({"output": head(x).contiguous()}, os.path.join(out, "y-eval.safetensors"))

    head.train()
    xg = x.clone().requires_grad_(True)
    for p in head.parameters():
        p.grad = None
    y = head(xg)
    (y * probe).sum().backward()
    expected = {"output": y.detach(), "grad.input": xg.grad}
    expected.update({f"grad.{n}": p.grad for n, p in head.named_parameters()})
    expected.update({f"state.{n}": b for n, b in head.named_buffers()})
    save_file({k: v.detach().contiguous() for k, v in expected.items()}, os.path.join(out, "y.safetensors"))


if __name__ == "__main__":
    main(sys.argv[1], "--nudge" in sys.argv[2:])
