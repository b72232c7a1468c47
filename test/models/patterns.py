"""Models with one fusable pattern each, and models scan must not fuse (test/unit/torch/scan.test.ts).

Written independently of Fusebench's own layers: other names, other registration orders, other sizes.
"""

import torch
import torch.nn.functional as F
from torch import nn

# --- one pattern each ------------------------------------------------------------------------------


class ReplicateLoop(nn.Module):
    """The seed's cat loop (section 1.2): x repeated `copies` times along channels, then a 1x1 conv."""

    def __init__(self, channels=3, copies=4):
        super().__init__()
        self.copies = copies
        self.mix = nn.Conv2d(channels * copies, 5, 1)

    def forward(self, x):
        for i in range(self.copies):
            if i == 0:
                residual = x
            else:
                residual = torch.cat((residual, x), dim=1)
        return self.mix(residual)


class PoolPerSlice(nn.Module):
    """Global max pool per channel slice, reshaped to [B, C] and stacked (section 3)."""

    def __init__(self, groups=3, channels=4):
        super().__init__()
        self.groups, self.channels = groups, channels
        self.pool = nn.AdaptiveMaxPool2d((1, 1))

    def forward(self, x):
        c = self.channels
        return torch.stack([self.pool(x[:, i * c : (i + 1) * c]).flatten(1) for i in range(self.groups)], dim=1)


class PerClassLinear(nn.Module):
    """A Linear per class on its group's row, ragged (section 4.1), gathered by one stack."""

    def __init__(self, per_group=(1, 3, 2), width=5, out=7):
        super().__init__()
        self.per_group = list(per_group)
        self.heads = nn.ModuleList([nn.Linear(width, out) for _ in range(sum(per_group))])

    def forward(self, x):
        outs, k = [], 0
        for g, n in enumerate(self.per_group):
            for _ in range(n):
                outs.append(self.heads[k](x[:, g, :]))
                k += 1
        return torch.stack(outs, dim=1)


class Bottleneck1d(nn.Module):
    """A residual MLP block registered out of call order (the second layer first)."""

    def __init__(self, width, hidden):
        super().__init__()
        self.up = nn.Linear(hidden, width)
        self.down = nn.Linear(width, hidden)

    def forward(self, x):
        return F.relu(self.up(F.relu(self.down(x))) + x)


class PerClassHead(nn.Module):
    """A residual block and a 1-logit Linear per class on its row (the seed's fcs)."""

    def __init__(self, classes=4, width=6):
        super().__init__()
        self.towers = nn.ModuleList([nn.Sequential(Bottleneck1d(width, width // 2), nn.Linear(width, 1)) for _ in range(classes)])

    def forward(self, x):
        return torch.cat([t(x[:, k, :]) for k, t in enumerate(self.towers)], dim=1)


class SliceLinear(nn.Module):
    """A Linear per equal feature slice (section 6), concatenated."""

    def __init__(self, groups=3, width=4, out=6):
        super().__init__()
        self.width = width
        self.experts = nn.ModuleList([nn.Linear(width, out) for _ in range(groups)])

    def forward(self, x):
        parts = torch.split(x, self.width, dim=1)
        return torch.cat([e(parts[i]) for i, e in enumerate(self.experts)], dim=1)


class SliceNorm(nn.Module):
    """A BatchNorm2d per channel slice (section 7), with its own momentum."""

    def __init__(self, groups=3, channels=2):
        super().__init__()
        self.channels = channels
        self.norms = nn.ModuleList([nn.BatchNorm2d(channels, momentum=0.3) for _ in range(groups)])

    def forward(self, x):
        return torch.cat([n(x.narrow(1, i * self.channels, self.channels)) for i, n in enumerate(self.norms)], dim=1)


class ConvHeads(nn.Module):
    """Three 3x3 convs on one input, concatenated: one wide conv."""

    def __init__(self, channels=3, out=2):
        super().__init__()
        self.a = nn.Conv2d(channels, out, 3, padding=1)
        self.b = nn.Conv2d(channels, out, 3, padding=1)
        self.c = nn.Conv2d(channels, out, 3, padding=1)

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x), self.c(x)], dim=1)


class Expert(nn.Module):
    """No family computes this: conv, GELU, conv with a bias-free squeeze."""

    def __init__(self, channels):
        super().__init__()
        self.inner = nn.Conv2d(channels, channels * 2, 1)
        self.outer = nn.Conv2d(channels * 2, channels, 3, padding=1, bias=False)

    def forward(self, x):
        return self.outer(F.gelu(self.inner(x)))


class Experts(nn.Module):
    """Identical experts on one input, averaged after stacking: the generic vmap form."""

    def __init__(self, count=4, channels=3):
        super().__init__()
        self.experts = nn.ModuleList([Expert(channels) for _ in range(count)])

    def forward(self, x):
        return torch.stack([e(x) for e in self.experts], dim=0).mean(0)


# --- not fusable ----------------------------------------------------------------------------------


class MixedKernels(nn.Module):
    """Inception-style branches: kernel sizes 1, 3, 5 on one input."""

    def __init__(self, channels=3):
        super().__init__()
        self.paths = nn.ModuleList([nn.Conv2d(channels, 2, k, padding=k // 2) for k in (1, 3, 5)])

    def forward(self, x):
        return torch.cat([p(x) for p in self.paths], dim=1)


class TwoInputs(nn.Module):
    """Identical branches on different tensors (x and its square): not slices of one."""

    def __init__(self, channels=3):
        super().__init__()
        self.left = nn.Conv2d(channels, 2, 1)
        self.right = nn.Conv2d(channels, 2, 1)

    def forward(self, x):
        return torch.cat([self.left(x), self.right(x * x)], dim=1)


class Chained(nn.Module):
    """Identical blocks one after another (a ResNet stage): nothing to fuse."""

    def __init__(self, channels=3, depth=3):
        super().__init__()
        self.stage = nn.Sequential(*[Expert(channels) for _ in range(depth)])

    def forward(self, x):
        return self.stage(x)


class DataDependent(nn.Module):
    """The branch count depends on the input's values: fx cannot trace it."""

    def __init__(self, channels=3):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(channels, channels, 1) for _ in range(3)])

    def forward(self, x):
        n = 2 if x.mean() > 0 else 3
        return torch.cat([self.convs[i](x) for i in range(n)], dim=1)


class NormedExpert(nn.Module):
    """Conv, BatchNorm, SiLU: no family; its BatchNorm statistics update in training."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.silu(self.norm(self.conv(x)))


class NormedExperts(nn.Module):
    """Identical experts with BatchNorm on one input, concatenated: vmap in both modes, statistics included."""

    def __init__(self, count=3, channels=2):
        super().__init__()
        self.experts = nn.ModuleList([NormedExpert(channels) for _ in range(count)])

    def forward(self, x):
        return torch.cat([e(x) for e in self.experts], dim=1)
