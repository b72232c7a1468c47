"""Every family's PyTorch implementations, under the TypeScript engine's implementation names where they
correspond (engine/families/*.ts), plus the variants PyTorch users reach for (grouped Conv2d, einsum,
grouped Conv1d). Configs arrive parsed and validated by the TypeScript engine (camelCase keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from torch import nn

import conversions as cv
import layers as L

Config = dict


@dataclass(frozen=True)
class Implementation:
    name: str
    build: Callable[[Config], nn.Module]
    # Serial -> this module's state dict; None for serial implementations (they hold the serial names).
    rules: Optional[Callable[[Config], list[cv.Rule]]] = None


@dataclass(frozen=True)
class Family:
    name: str
    input_shape: Callable[[Config], list[int]]
    implementations: dict[str, Implementation]


def _family(name: str, input_shape: Callable[[Config], list[int]], impls: list[Implementation]) -> Family:
    return Family(name, input_shape, {i.name: i for i in impls})


def _map(c: Config, channels: int) -> list[int]:
    return [c["batch"], channels, c["height"], c["width"]]


def _replicate(kind: str) -> Callable[[Config], nn.Module]:
    return lambda c: L.Replicate(c["groups"], kind)


def _gmp(kind: str) -> Callable[[Config], nn.Module]:
    return lambda c: L.GlobalMaxPool(c["groups"], c["channels"], kind)


def _bottleneck(kind: str) -> Callable[[Config], nn.Module]:
    return lambda c: L.ParallelBottleneck(c["groups"], c["channels"], c["squeeze"], kind)


def _class_linear(kind: str) -> Callable[[Config], nn.Module]:
    return lambda c: L.ParallelClassLinear(c["classesPerGroup"], c["groupChannels"], c["classChannels"], kind)


def _group_linear(kind: str) -> Callable[[Config], nn.Module]:
    return lambda c: L.ParallelGroupLinear(c["groups"], c["inFeatures"], c["outFeatures"], kind)


def _conv1d(grouped: bool) -> Callable[[Config], nn.Module]:
    return lambda c: L.Conv1dGroupLinear(c["groups"], c["inFeatures"], c["outFeatures"], grouped)


def _class_head(kind: str) -> Callable[[Config], nn.Module]:
    return lambda c: L.ParallelClassHead(c["classes"], c["classChannels"], c["reduction"], kind)


def _head(kind: str, linear: str = "batchedMatmul") -> Callable[[Config], nn.Module]:
    return lambda c: L.AttributeHead(c, kind, linear)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        _family(
            "replicate",
            lambda c: _map(c, c["channels"]),
            [
                Implementation("serial.concatLoop", _replicate("concatLoop")),
                Implementation("parallel.tile", _replicate("tile"), lambda c: []),
                Implementation("parallel.stackReshape", _replicate("stackReshape"), lambda c: []),
                Implementation("parallel.expandReshape", _replicate("expandReshape"), lambda c: []),
            ],
        ),
        _family(
            "bottleneck",
            lambda c: _map(c, c["channels"]),
            [
                Implementation("serial.branchLoop", lambda c: L.SerialBottlenecks(c["groups"], c["channels"], c["squeeze"])),
                Implementation(
                    "serial.branchLoopIm2col", lambda c: L.SerialBottlenecks(c["groups"], c["channels"], c["squeeze"], im2col=True)
                ),
                Implementation("parallel.groupedConv", _bottleneck("grouped"), lambda c: cv.bottleneck_rules(c, dense=False)),
                Implementation("parallel.im2colBatchedMatmul", _bottleneck("im2col"), lambda c: cv.bottleneck_rules(c, dense=False)),
                Implementation("parallel.blockDiagonalConv", _bottleneck("dense"), lambda c: cv.bottleneck_rules(c, dense=True)),
            ],
        ),
        _family(
            "gmp",
            lambda c: _map(c, c["groups"] * c["channels"]),
            [
                Implementation("serial.sliceMaxLoop", _gmp("sliceMaxLoop")),
                Implementation("serial.sliceMaxPoolLoop", _gmp("sliceMaxPoolLoop")),
                Implementation("parallel.fusedMax", _gmp("fusedMax"), lambda c: []),
                Implementation("parallel.maxPoolReshape", _gmp("maxPoolReshape"), lambda c: []),
            ],
        ),
        _family(
            "class-linear",
            lambda c: [c["batch"], len(c["classesPerGroup"]), c["groupChannels"]],
            [
                Implementation(
                    "serial.linearPerClass", lambda c: L.SerialClassLinear(c["classesPerGroup"], c["groupChannels"], c["classChannels"])
                ),
                Implementation("parallel.gatherBatchedMatmul", _class_linear("gather"), cv.class_linear_rules),
                Implementation("parallel.einsum", _class_linear("einsum"), cv.class_linear_rules),
            ],
        ),
        _family(
            "group-linear",
            lambda c: [c["batch"], c["groups"] * c["inFeatures"]],
            [
                Implementation("serial.linearLoop", lambda c: L.SerialGroupLinear(c["groups"], c["inFeatures"], c["outFeatures"])),
                Implementation("parallel.batchedMatmul", _group_linear("batchedMatmul"), cv.group_linear_rules),
                Implementation("parallel.einsum", _group_linear("einsum"), cv.group_linear_rules),
                Implementation("parallel.groupedConv1d", _conv1d(True), lambda c: cv.group_linear_conv1d_rules(c, dense=False)),
                Implementation("parallel.blockDiagonalConv1d", _conv1d(False), lambda c: cv.group_linear_conv1d_rules(c, dense=True)),
            ],
        ),
        _family(
            "batchnorm",
            lambda c: _map(c, c["groups"] * c["channels"]),
            [
                Implementation("serial.batchNormLoop", lambda c: L.SerialBatchNorm(c["groups"], c["channels"])),
                Implementation("parallel.fusedBatchNorm", lambda c: L.FusedBatchNorm(c["groups"], c["channels"]), cv.batchnorm_rules),
            ],
        ),
        _family(
            "class-head",
            lambda c: [c["batch"], c["classes"], c["classChannels"]],
            [
                Implementation("serial.blockPerClass", lambda c: L.SerialClassHead(c["classes"], c["classChannels"], c["reduction"])),
                Implementation("parallel.batchedMatmul", _class_head("batchedMatmul"), cv.class_head_rules),
                Implementation("parallel.einsum", _class_head("einsum"), cv.class_head_rules),
            ],
        ),
        _family(
            "attribute-head",
            lambda c: _map(c, c["inChannels"]),
            [
                Implementation("serial.seedLoops", _head("serial")),
                Implementation("serial.seedLoopsIm2col", _head("serialIm2col")),
                Implementation("parallel.groupedConv", _head("grouped", "einsum"), lambda c: cv.attribute_head_rules(c, dense=False)),
                Implementation("parallel.im2colBatchedMatmul", _head("im2col"), lambda c: cv.attribute_head_rules(c, dense=False)),
                Implementation("parallel.blockDiagonalConv", _head("dense"), lambda c: cv.attribute_head_rules(c, dense=True)),
            ],
        ),
    ]
}


def implementation_names() -> dict[str, list[str]]:
    return {name: list(f.implementations) for name, f in FAMILIES.items()}
