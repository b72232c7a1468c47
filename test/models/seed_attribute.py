"""The seed's attribute model in its loop form, written from the seed (../shared/seed, sections 2-4).

reduce conv 2048 -> group_channels, 12 attention bottlenecks on that one input, a global max pool + view per
branch, a Linear per class on its group's row (nested stack / cat, as the seed writes it), and a residual
head per class. Sizes are arguments so tests can run it small; the defaults are the seed's.
"""

import torch
from torch import nn


class BasicConv(nn.Module):
    """The seed's utils.BasicConv: conv, BatchNorm, ReLU."""

    def __init__(self, in_planes, out_planes, kernel_size):
        super().__init__()
        self.conv = nn.Conv2d(in_planes, out_planes, kernel_size=kernel_size, bias=False)
        self.bn = nn.BatchNorm2d(out_planes)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class AttentionBottleneck(nn.Module):
    """Section 2.3: squeeze to planes, 3x3, expand back (expand = 2), plus the input."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        expand = 2
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * expand, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * expand)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)
        out = self.conv3(out)
        out = self.bn3(out)
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


class ResidualLinearBlock(nn.Module):
    """The seed names utils.ResidualLinearBlock(in_channels, reduction, out_channels) only; this is the usual one."""

    def __init__(self, in_channels, reduction, out_channels):
        super().__init__()
        self.fc1 = nn.Linear(in_channels, in_channels // reduction)
        self.fc2 = nn.Linear(in_channels // reduction, out_channels)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.fc2(self.relu(self.fc1(x))) + x)


class AttributeModel(nn.Module):
    def __init__(self, in_planes=2048, group_channels=512, nclasses_per_group=(3, 2, 4, 1, 2, 3, 2, 1, 3, 2, 2, 1), class_channels=64):
        super().__init__()
        self.groups = len(nclasses_per_group)
        self.nclasses_per_group = list(nclasses_per_group)
        self.nclasses = sum(nclasses_per_group)
        self.reduce_conv = BasicConv(in_planes, group_channels, kernel_size=1)
        self.attention_convs = nn.ModuleList([AttentionBottleneck(group_channels, group_channels // 2) for _ in range(self.groups)])
        self.gmp = nn.AdaptiveMaxPool2d(1)
        self.class_fcs = nn.ModuleList([nn.Linear(group_channels, class_channels) for _ in range(self.nclasses)])
        self.fcs = nn.ModuleList(
            [nn.Sequential(ResidualLinearBlock(class_channels, 2, class_channels), nn.Linear(class_channels, 1)) for _ in range(self.nclasses)]
        )

    def forward(self, x):
        x = self.reduce_conv(x)
        temp = []
        for i in range(self.groups):
            y = self.attention_convs[i](x)
            y = self.gmp(y).view(y.size(0), y.size(1))
            temp.append(y)
        x = torch.stack(temp, dim=1)  # [B, groups, group_channels]
        count = 0
        outside = []
        for i in range(self.groups):
            inside = []
            for j in range(self.nclasses_per_group[i]):
                inside.append(self.class_fcs[count](x[:, i, :]))
                count += 1
            inside = torch.stack(inside, dim=1)
            outside.append(inside)
        x = torch.cat(outside, dim=1)  # [B, nclasses, class_channels]
        x = torch.cat([self.fcs[i](x[:, i, :]) for i in range(self.nclasses)], dim=1)  # [B, nclasses]
        return x
