"""The seed's attribute model written independently: other names, registration orders and sizes.

The branch block registers its layers out of call order and names them its own way; pooling is a
function, not a module; features are gathered with torch.cat; rows are read as feats[:, g].
"""

import torch
import torch.nn.functional as F
from torch import nn


class SqueezeBlock(nn.Module):
    def __init__(self, width, squeeze=4):
        super().__init__()
        narrow = width // squeeze
        self.grow = nn.Conv2d(narrow, width, 1, bias=False)
        self.grow_bn = nn.BatchNorm2d(width)
        self.shrink = nn.Conv2d(width, narrow, 1, bias=False)
        self.shrink_bn = nn.BatchNorm2d(narrow)
        self.mix = nn.Conv2d(narrow, narrow, 3, padding=1, bias=False)
        self.mix_bn = nn.BatchNorm2d(narrow)

    def forward(self, x):
        h = F.relu(self.shrink_bn(self.shrink(x)))
        h = F.relu(self.mix_bn(self.mix(h)))
        return F.relu(self.grow_bn(self.grow(h)) + x)


class TinyResidual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.a = nn.Linear(width, width // 4)
        self.b = nn.Linear(width // 4, width)

    def forward(self, x):
        return F.relu(self.b(F.relu(self.a(x))) + x)


class MultiHeadAttr(nn.Module):
    def __init__(self, stem_in=6, width=8, classes=(1, 2, 2), hidden=8):
        super().__init__()
        self.classes = list(classes)
        self.stem = nn.Sequential(nn.Conv2d(stem_in, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.heads = nn.ModuleList([SqueezeBlock(width) for _ in classes])
        self.classifiers = nn.ModuleList([nn.Linear(width, hidden) for _ in range(sum(classes))])
        self.logit_heads = nn.ModuleList([nn.Sequential(TinyResidual(hidden), nn.Linear(hidden, 1)) for _ in range(sum(classes))])

    def forward(self, x):
        s = self.stem(x)
        pooled = []
        for head in self.heads:
            pooled.append(F.adaptive_max_pool2d(head(s), 1).flatten(1))
        feats = torch.stack(pooled, dim=1)
        rows = []
        k = 0
        for g, n in enumerate(self.classes):
            for _ in range(n):
                rows.append(self.classifiers[k](feats[:, g]))
                k += 1
        z = torch.stack(rows, dim=1)
        return torch.cat([h(z[:, i]) for i, h in enumerate(self.logit_heads)], dim=1)
