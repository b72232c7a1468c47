import type { ImplementationInfo } from '../../core/types.js';

/**
 * The implementations the PyTorch worker holds (engine/backends/torch/families.py), known before any
 * worker starts so that plans, estimates and the UI can list them; test/unit/torch/equivalence.test.ts
 * checks this list against the worker's own. Names shared with the TypeScript families are the same
 * computation; each parallel form is judged against the serial loop with the same primitive.
 */
const serial = (name: string, primitive: string, summary: string): ImplementationInfo => ({ name, role: 'serial', primitive, summary });
const parallel = (name: string, primitive: string, summary: string, baseline?: string): ImplementationInfo => ({
  name,
  role: 'parallel',
  primitive,
  summary,
  ...(baseline ? { baseline } : {}),
});

export const TORCH_IMPLEMENTATIONS: Readonly<Record<string, readonly ImplementationInfo[]>> = {
  replicate: [
    serial('serial.concatLoop', 'torch.cat, g − 1 times', 'residual = torch.cat((residual, x), dim=1) in a loop (the seed)'),
    parallel('parallel.tile', 'Tensor.repeat', 'x.repeat(1, g, 1, 1)'),
    parallel('parallel.stackReshape', 'torch.stack + a view', 'torch.stack([x] * g, dim=1).view(B, g·C, H, W)'),
    parallel('parallel.expandReshape', 'Tensor.expand + reshape (one copy)', 'x.unsqueeze(1).expand(B, g, C, H, W).reshape(B, g·C, H, W)'),
  ],
  bottleneck: [
    serial('serial.branchLoop', 'Conv2d per branch', "g of the seed's AttentionBottleneck on the same x, torch.cat"),
    serial(
      'serial.branchLoopIm2col',
      'Conv2d 1×1, then unfold + matmul per branch',
      'the same loop with the 3×3 and last 1×1 as im2col + matmul',
    ),
    parallel('parallel.groupedConv', 'Conv2d(groups=g)', "the seed's Parallel_Bottleneck with groups corrected: grouped Conv2d (cuDNN)"),
    parallel(
      'parallel.im2colBatchedMatmul',
      'Conv2d 1×1, then unfold + batched matmul',
      'grouped 3×3 as unfold + one batched matmul',
      'serial.branchLoopIm2col',
    ),
    parallel('parallel.blockDiagonalConv', 'Conv2d (dense, block-diagonal kernels)', 'dense convolutions with block-diagonal kernels'),
  ],
  gmp: [
    serial('serial.sliceMaxLoop', 'amax over H, W', 'x[:, i·C:(i+1)·C].amax((2, 3)) per group, torch.stack'),
    serial('serial.sliceMaxPoolLoop', 'AdaptiveMaxPool2d(1)', 'AdaptiveMaxPool2d(1) per group slice, torch.stack'),
    parallel('parallel.fusedMax', 'amax over H, W', 'x.amax((2, 3)).view(B, g, C)'),
    parallel('parallel.maxPoolReshape', 'AdaptiveMaxPool2d(1)', 'AdaptiveMaxPool2d(1)(x).view(B, g, C)', 'serial.sliceMaxPoolLoop'),
  ],
  'class-linear': [
    serial('serial.linearPerClass', 'Linear per class', 'class_fcs: one Linear per class on its group row'),
    parallel('parallel.gatherBatchedMatmul', 'index_select + bmm', 'gather rows, one batched matmul'),
    parallel('parallel.einsum', "einsum 'bni,nio->bno'", "the seed's einsum rewrite, corrected"),
  ],
  'group-linear': [
    serial('serial.linearLoop', 'Linear per group', 'fcs: one Linear per group slice, torch.cat'),
    parallel('parallel.batchedMatmul', 'bmm', 'one batched matmul with weight [g, in, out]'),
    parallel('parallel.einsum', "einsum 'bgi,gio->bgo'", "the seed's einsum rewrite, corrected"),
    parallel('parallel.groupedConv1d', 'Conv1d(groups=g) on [B, g·in, 1]', "the seed's Conv1d(groups) on a 3-D input"),
    parallel('parallel.blockDiagonalConv1d', 'Conv1d (dense, block-diagonal kernel)', 'a dense Conv1d with a block-diagonal kernel'),
  ],
  batchnorm: [
    serial('serial.batchNormLoop', 'BatchNorm2d per slice', 'bns: one BatchNorm2d(C) per group slice, torch.cat'),
    parallel('parallel.fusedBatchNorm', 'BatchNorm2d(g·C)', 'one BatchNorm2d over all g·C channels'),
  ],
  'class-head': [
    serial('serial.blockPerClass', 'Linear per class', 'fcs: ResidualLinearBlock + Linear(cc, 1) per class'),
    parallel('parallel.batchedMatmul', 'bmm', 'the same layers batched over classes'),
    parallel('parallel.einsum', 'einsum', 'the same layers as einsums over classes'),
  ],
  'attribute-head': [
    serial('serial.seedLoops', 'Conv2d per branch, AdaptiveMaxPool2d, Linear per class', "the seed's serial head"),
    serial(
      'serial.seedLoopsIm2col',
      'unfold + matmul per branch, AdaptiveMaxPool2d, Linear per class',
      'the serial head with im2col branches',
    ),
    parallel('parallel.groupedConv', 'Conv2d(groups=g), amax, einsum', 'every stage fused: grouped Conv2d, amax + view, einsums'),
    parallel(
      'parallel.im2colBatchedMatmul',
      'unfold + batched matmul, amax, bmm',
      'every stage fused with the im2col bottleneck',
      'serial.seedLoopsIm2col',
    ),
    parallel('parallel.blockDiagonalConv', 'Conv2d (dense, block-diagonal), amax, bmm', 'every stage fused with block-diagonal kernels'),
  ],
};
