"""The seed's layers in PyTorch idiom, serial and parallel, with the seed's defects corrected.

Module attribute names are the state-dict names of docs/pytorch.md (the seed's where it names them):
a module's ``state_dict()`` keys, less BatchNorm's ``num_batches_tracked``, are exactly the names the
TypeScript engine reads and writes (engine/families/*.ts ``pytorch``). Activations are NCHW.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

# --- bottleneck --------------------------------------------------------------------------------


class AttentionBottleneck(nn.Module):
    """The seed's attention bottleneck: 1x1 C->P, 3x3 P->P, 1x1 P->C, BatchNorm and ReLU, plus x.

    ``im2col``: the 3x3 and the last 1x1 as unfold + matmul, the primitives of the fused im2col form,
    so that form's speedup over this loop isolates fusion (the same weights either way).
    """

    def __init__(self, channels: int, planes: int, im2col: bool = False) -> None:
        super().__init__()
        self.im2col = im2col
        self.conv1 = nn.Conv2d(channels, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        h = im2col_grouped_conv3x3(h, self.conv2.weight, 1) if self.im2col else self.conv2(h)
        h = F.relu(self.bn2(h))
        h = batched_grouped_conv1x1(h, self.conv3.weight, 1) if self.im2col else self.conv3(h)
        return F.relu(self.bn3(h) + x)


class SerialBottlenecks(nn.Module):
    """g bottlenecks on the same x, outputs side by side: [B, C, H, W] -> [B, g*C, H, W]."""

    def __init__(self, groups: int, channels: int, squeeze: int, im2col: bool = False) -> None:
        super().__init__()
        self.attention_convs = nn.ModuleList([AttentionBottleneck(channels, channels // squeeze, im2col) for _ in range(groups)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.attention_convs], dim=1)


def im2col_grouped_conv3x3(h: torch.Tensor, weight: torch.Tensor, groups: int) -> torch.Tensor:
    """Grouped 3x3 'same' conv as unfold (im2col) + one batched matmul over groups."""
    b, gp, height, width = h.shape
    p = gp // groups
    cols = F.unfold(h, 3, padding=1).reshape(b, groups, p * 9, height * width)
    return torch.matmul(weight.reshape(groups, p, p * 9), cols).reshape(b, gp, height, width)


def batched_grouped_conv1x1(h: torch.Tensor, weight: torch.Tensor, groups: int) -> torch.Tensor:
    """Grouped 1x1 conv as one batched matmul over groups."""
    b, gp, height, width = h.shape
    p = gp // groups
    out = weight.shape[0] // groups
    return torch.matmul(weight.reshape(groups, out, p), h.reshape(b, groups, p, height * width)).reshape(b, groups * out, height, width)


class ParallelBottleneck(nn.Module):
    """The seed's Parallel_Bottleneck with ``groups`` used where the seed hard-codes 12.

    ``kind``: ``grouped`` (Conv2d(groups=g), cuDNN's grouped kernels), ``im2col`` (the same weights,
    computed as unfold + batched matmul) or ``dense`` (block-diagonal kernels in ordinary convs).
    """

    def __init__(self, groups: int, channels: int, squeeze: int, kind: str) -> None:
        super().__init__()
        p = channels // squeeze
        self.groups, self.kind = groups, kind
        conv_groups = 1 if kind == "dense" else groups
        self.conv1 = nn.Conv2d(channels, groups * p, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(groups * p)
        self.conv2 = nn.Conv2d(groups * p, groups * p, 3, padding=1, bias=False, groups=conv_groups)
        self.bn2 = nn.BatchNorm2d(groups * p)
        self.conv3 = nn.Conv2d(groups * p, groups * channels, 1, bias=False, groups=conv_groups)
        self.bn3 = nn.BatchNorm2d(groups * channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        if self.kind == "im2col":
            h = F.relu(self.bn2(im2col_grouped_conv3x3(h, self.conv2.weight, self.groups)))
            h = self.bn3(batched_grouped_conv1x1(h, self.conv3.weight, self.groups))
        else:
            h = F.relu(self.bn2(self.conv2(h)))
            h = self.bn3(self.conv3(h))
        # The residual is x repeated g times along channels: one repeat, not the seed's cat loop.
        return F.relu(h + x.repeat(1, self.groups, 1, 1))


# --- replicate and global max pooling (no weights) ----------------------------------------------


class Replicate(nn.Module):
    """x [B, C, H, W] -> [B, g*C, H, W]."""

    def __init__(self, groups: int, kind: str) -> None:
        super().__init__()
        self.groups, self.kind = groups, kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.groups
        if self.kind == "concatLoop":  # the seed's loop: O(g^2) copying
            residual = x
            for _ in range(g - 1):
                residual = torch.cat((residual, x), dim=1)
            return residual
        b, c, h, w = x.shape
        if self.kind == "tile":
            return x.repeat(1, g, 1, 1)
        if self.kind == "stackReshape":
            return torch.stack([x] * g, dim=1).reshape(b, g * c, h, w)
        return x.unsqueeze(1).expand(b, g, c, h, w).reshape(b, g * c, h, w)


class GlobalMaxPool(nn.Module):
    """[B, g*C, H, W] -> [B, g, C]; group-major channels (seed section 3)."""

    def __init__(self, groups: int, channels: int, kind: str) -> None:
        super().__init__()
        self.groups, self.channels, self.kind = groups, channels, kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, c, b = self.groups, self.channels, x.shape[0]
        if self.kind == "sliceMaxLoop":
            return torch.stack([x[:, i * c : (i + 1) * c].amax((2, 3)) for i in range(g)], dim=1)
        if self.kind == "sliceMaxPoolLoop":
            return torch.stack([F.adaptive_max_pool2d(x[:, i * c : (i + 1) * c], 1).reshape(b, c) for i in range(g)], dim=1)
        if self.kind == "fusedMax":
            return x.amax((2, 3)).view(b, g, c)
        return F.adaptive_max_pool2d(x, 1).reshape(b, g, c)


# --- class-linear (seed section 4) --------------------------------------------------------------


def class_groups(classes_per_group: Sequence[int]) -> list[int]:
    """The group each class reads, in class order."""
    return [i for i, n in enumerate(classes_per_group) for _ in range(n)]


class SerialClassLinear(nn.Module):
    """One Linear(gc, cc) per class; class j of group i reads x[:, i, :]: [B, g, gc] -> [B, n, cc]."""

    def __init__(self, classes_per_group: Sequence[int], group_channels: int, class_channels: int) -> None:
        super().__init__()
        self.classes_per_group = list(classes_per_group)
        self.class_fcs = nn.ModuleList([nn.Linear(group_channels, class_channels) for _ in range(sum(classes_per_group))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs: list[torch.Tensor] = []
        k = 0
        for i, n in enumerate(self.classes_per_group):
            for _ in range(n):
                outs.append(self.class_fcs[k](x[:, i, :]))
                k += 1
        return torch.stack(outs, dim=1)


class ParallelClassLinear(nn.Module):
    """Seed section 4.4 corrected: weight [n, gc, cc], bias [n, cc]; rows gathered with one index, not a cat loop."""

    def __init__(self, classes_per_group: Sequence[int], group_channels: int, class_channels: int, kind: str) -> None:
        super().__init__()
        n = sum(classes_per_group)
        self.kind = kind
        self.weight = nn.Parameter(torch.empty(n, group_channels, class_channels))
        self.bias = nn.Parameter(torch.empty(n, class_channels))
        self.register_buffer("index", torch.tensor(class_groups(classes_per_group)), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.index_select(1, self.index)
        if self.kind == "einsum":
            return torch.einsum("bni,nio->bno", rows, self.weight) + self.bias
        return torch.baddbmm(self.bias.unsqueeze(1), rows.transpose(0, 1), self.weight).transpose(0, 1)


# --- group-linear (seed section 6) --------------------------------------------------------------


class SerialGroupLinear(nn.Module):
    """One Linear(in, out) per group slice of x [B, g*in] -> [B, g*out]."""

    def __init__(self, groups: int, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features = in_features
        self.fcs = nn.ModuleList([nn.Linear(in_features, out_features) for _ in range(groups)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.in_features
        return torch.cat([fc(x[:, i * n : (i + 1) * n]) for i, fc in enumerate(self.fcs)], dim=1)


class ParallelGroupLinear(nn.Module):
    """Seed section 6.2's group_divided_linear: weight [g, in, out], bias [g, out]."""

    def __init__(self, groups: int, in_features: int, out_features: int, kind: str) -> None:
        super().__init__()
        self.groups, self.kind = groups, kind
        self.weight = nn.Parameter(torch.empty(groups, in_features, out_features))
        self.bias = nn.Parameter(torch.empty(groups, out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        grouped = x.reshape(b, self.groups, -1)
        if self.kind == "einsum":
            y = torch.einsum("bgi,gio->bgo", grouped, self.weight) + self.bias
        else:
            y = torch.baddbmm(self.bias.unsqueeze(1), grouped.transpose(0, 1), self.weight).transpose(0, 1)
        return y.reshape(b, -1)


class Conv1dGroupLinear(nn.Module):
    """Seed section 6.1's Conv1d, on the input made 3-D ([B, g*in, 1]); ``grouped`` or block-diagonal dense."""

    def __init__(self, groups: int, in_features: int, out_features: int, grouped: bool) -> None:
        super().__init__()
        self.fc = nn.Conv1d(groups * in_features, groups * out_features, 1, groups=groups if grouped else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.unsqueeze(-1)).squeeze(-1)


# --- batchnorm (seed section 7) ----------------------------------------------------------------


class SerialBatchNorm(nn.Module):
    """g BatchNorm2d(C) on the group slices."""

    def __init__(self, groups: int, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.bns = nn.ModuleList([nn.BatchNorm2d(channels) for _ in range(groups)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.channels
        return torch.cat([bn(x[:, i * c : (i + 1) * c]) for i, bn in enumerate(self.bns)], dim=1)


class FusedBatchNorm(nn.Module):
    """One BatchNorm2d(g*C): the same function as g BatchNorm2d(C)."""

    def __init__(self, groups: int, channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(groups * channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x)


# --- class-head --------------------------------------------------------------------------------


class ResidualLinearBlock(nn.Module):
    """Fusebench's definition (the seed names it only): relu(fc2(relu(fc1(x))) + x), fc1 c->c/r."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(channels, channels // reduction)
        self.fc2 = nn.Linear(channels // reduction, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.fc2(F.relu(self.fc1(x))) + x)


class SerialClassHead(nn.Module):
    """Per class: ResidualLinearBlock then Linear(cc, 1) on its row: [B, n, cc] -> [B, n]."""

    def __init__(self, classes: int, class_channels: int, reduction: int) -> None:
        super().__init__()
        self.fcs = nn.ModuleList(
            [nn.Sequential(ResidualLinearBlock(class_channels, reduction), nn.Linear(class_channels, 1)) for _ in range(classes)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([fc(x[:, k, :]) for k, fc in enumerate(self.fcs)], dim=1)


class BatchedLinear(nn.Module):
    """n Linear layers side by side: weight [n, in, out], bias [n, out]."""

    def __init__(self, n: int, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, in_features, out_features))
        self.bias = nn.Parameter(torch.empty(n, out_features))


class ClassLogits(nn.Module):
    """n Linear(cc, 1) side by side: weight [n, cc], bias [n]."""

    def __init__(self, n: int, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, channels))
        self.bias = nn.Parameter(torch.empty(n))


class ParallelClassHead(nn.Module):
    """The same layers batched over classes (``batchedMatmul``: baddbmm on [n, B, cc]; ``einsum``)."""

    def __init__(self, classes: int, class_channels: int, reduction: int, kind: str) -> None:
        super().__init__()
        h = class_channels // reduction
        self.kind = kind
        self.fc1 = BatchedLinear(classes, class_channels, h)
        self.fc2 = BatchedLinear(classes, h, class_channels)
        self.out = ClassLogits(classes, class_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "einsum":
            h = F.relu(torch.einsum("bni,nio->bno", x, self.fc1.weight) + self.fc1.bias)
            y = F.relu(torch.einsum("bni,nio->bno", h, self.fc2.weight) + self.fc2.bias + x)
            return torch.einsum("bni,ni->bn", y, self.out.weight) + self.out.bias
        xt = x.transpose(0, 1)
        h = F.relu(torch.baddbmm(self.fc1.bias.unsqueeze(1), xt, self.fc1.weight))
        y = F.relu(torch.baddbmm(self.fc2.bias.unsqueeze(1), h, self.fc2.weight) + xt)
        logits = torch.baddbmm(self.out.bias.view(-1, 1, 1), y, self.out.weight.unsqueeze(-1))
        return logits.squeeze(-1).transpose(0, 1)


# --- attribute-head: the seed's whole head -----------------------------------------------------


class AttributeHead(nn.Module):
    """reduce_conv -> g bottlenecks -> global max pooling -> class_linear -> (graph attention: identity) -> head.

    ``kind``: ``serial`` (the seed's loops), ``serialIm2col`` (the same with im2col branches), or the bottleneck kind (``grouped``, ``im2col``, ``dense``)
    of the fused head; ``linear`` picks ``einsum`` or ``batchedMatmul`` for the per-class layers.
    """

    def __init__(self, cfg: dict, kind: str, linear: str = "batchedMatmul") -> None:
        super().__init__()
        g, gc, cpg = cfg["groups"], cfg["groupChannels"], cfg["classesPerGroup"]
        cc, n = cfg["classChannels"], sum(cfg["classesPerGroup"])
        self.kind, self.groups, self.group_channels = kind, g, gc
        self.reduce_conv = nn.Sequential(nn.Conv2d(cfg["inChannels"], gc, 1, bias=False), nn.BatchNorm2d(gc), nn.ReLU())
        if kind in ("serial", "serialIm2col"):
            self.branches: nn.Module = SerialBottlenecks(g, gc, cfg["squeeze"], im2col=kind == "serialIm2col")
            self.class_linear: nn.Module = SerialClassLinear(cpg, gc, cc)
            self.head: nn.Module = SerialClassHead(n, cc, cfg["reduction"])
        else:
            self.branches = ParallelBottleneck(g, gc, cfg["squeeze"], kind)
            self.class_linear = ParallelClassLinear(cpg, gc, cc, "einsum" if linear == "einsum" else "gather")
            self.head = ParallelClassHead(n, cc, cfg["reduction"], linear)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.reduce_conv(x)
        b = r.shape[0]
        if self.kind in ("serial", "serialIm2col"):
            branches = self.branches.attention_convs  # type: ignore[union-attr]
            pooled = torch.stack([F.adaptive_max_pool2d(branch(r), 1).reshape(b, self.group_channels) for branch in branches], dim=1)
        else:
            pooled = self.branches(r).amax((2, 3)).view(b, self.groups, self.group_channels)
        return self.head(self.class_linear(pooled))
