/**
 * `fusebench verify --expected Y`: a rewrite proved against the user's own model. Y holds what the
 * user's PyTorch module computed on the input X with the checkpoint's weights (`output`, and in
 * training `grad.input`, `grad.<name>`, `state.<name>` as `fusebench forward` writes them); the serial
 * form and every parallel form run on X with the same weights (converted) and each is compared with Y.
 */
import { FileFormatError } from './core/errors.js';
import { parseConfig } from './core/config.js';
import { showShape, toFloat64, type HostTensors } from './core/host-tensor.js';
import { BATCHES_TRACKED } from './core/pytorch-layout.js';
import { runsOn, type Mode } from './core/types.js';
import { assertFinite } from './checkpoint.js';
import { getFamily } from './families/index.js';
import { forwardLayer } from './node-forward.js';
import { vectorError, worstOf, type VectorPart } from './vector-error.js';
import { pytorchLayout } from './weights.js';
import { TOLERANCES, type BackendName } from './core/backend-names.js';
import { TorchWorker, type TorchDevice } from './torch/worker-process.js';
import { torchTolerance } from './torch/verify-torch.js';

export interface ExpectedRequest {
  family: string;
  config: Record<string, unknown>;
  mode: Mode;
  backend: BackendName;
  device?: TorchDevice;
  /** The checkpoint's float tensors in the `from` form, and its BatchNorm counters (engine/checkpoint.ts). */
  weights: HostTensors;
  from?: string;
  counters?: HostTensors;
  /** `input` (and `probe` in training). */
  inputs: HostTensors;
  expected: HostTensors;
  sources: { weights: string; inputs: string; expected: string };
}

export interface ExpectedCheck {
  implementation: string;
  mode: Mode;
  backend: BackendName;
  /** The largest of the output's, the gradients' (one vector) and the running statistics' (one vector) errors. */
  relErr: number;
  maxAbs: number;
  tolerance: number;
  pass: boolean;
  /** The tensor contributing most to the largest error. */
  worst: string;
  message?: string;
}

/** The tensors of `expected` the mode needs, named: a missing gradient is bad input, not a failed check. */
function requireExpected(r: ExpectedRequest, names: readonly string[]): void {
  const missing = names.filter((n) => !(n in r.expected));
  if (missing.length > 0) {
    const shown = missing.slice(0, 4).map((n) => `'${n}'`);
    throw new FileFormatError(
      r.sources.expected,
      `has no ${shown.join(', ')}${missing.length > 4 ? ` and ${missing.length - 4} more` : ''} (${r.mode}: output, grad.input, grad.<parameter> as \`fusebench forward\` writes them; docs/pytorch.md shows how to save them from PyTorch)`,
      missing[0],
    );
  }
}

function part(name: string, expected: HostTensors, actual: HostTensors): VectorPart {
  const got = actual[name];
  return {
    name,
    expected: toFloat64(expected[name]!),
    actual: got && got.shape.join() === expected[name]!.shape.join() ? toFloat64(got) : undefined,
  };
}

/**
 * Runs every implementation of the family on the backend with the user's weights and input and
 * compares each with the user's own results.
 *
 * @example const checks = await verifyExpected({ family: 'bottleneck', config, mode: 'inference', backend: 'cpu', weights, inputs, expected, sources });
 */
export async function verifyExpected(r: ExpectedRequest): Promise<ExpectedCheck[]> {
  const family = getFamily(r.family);
  const config = parseConfig<object>(family, r.config);
  const layout = pytorchLayout<object>(family);
  assertFinite(r.expected, r.sources.expected, 'expected tensor');
  const serial = layout.serial(config);
  const gradients = ['grad.input', ...serial.filter((t) => !t.buffer).map((t) => `grad.${t.name}`)];
  requireExpected(r, r.mode === 'training' ? ['output', ...gradients] : ['output']);
  const out = r.expected.output!;
  const stats = Object.keys(r.expected).filter((n) => n.startsWith('state.') && !n.endsWith(BATCHES_TRACKED));
  const counters = Object.keys(r.expected).filter((n) => n.startsWith('state.') && n.endsWith(BATCHES_TRACKED));
  const names =
    r.backend === 'torch'
      ? (family.torch ?? []).map((i) => i.name)
      : family.implementations.filter((i) => runsOn(i, r.backend)).map((i) => i.name);
  const worker = r.backend === 'torch' ? await TorchWorker.start({ device: r.device ?? 'auto' }) : undefined;
  const tolerance = worker ? torchTolerance(worker) : TOLERANCES[r.backend][r.mode === 'training' ? 'gradient' : 'forward'];
  const checks: ExpectedCheck[] = [];
  try {
    for (const implementation of names) {
      const got = await forwardLayer({
        family: family.name,
        config: r.config,
        implementation,
        mode: r.mode,
        backend: r.backend,
        weights: r.weights,
        ...(r.from ? { from: r.from } : {}),
        ...(r.counters ? { counters: r.counters } : {}),
        inputs: r.inputs,
        sources: { weights: r.sources.weights, inputs: r.sources.inputs },
        ...(worker ? { worker } : {}),
      });
      if (got.output!.shape.join() !== out.shape.join()) {
        throw new FileFormatError(
          r.sources.expected,
          `'output' is ${showShape(out.shape)}, the layer gives ${showShape(got.output!.shape)}; check --config`,
          'output',
        );
      }
      const errors = [
        { what: 'output', ...vectorError([part('output', r.expected, got)]) },
        ...(r.mode === 'training' ? [{ what: 'gradient', ...vectorError(gradients.map((n) => part(n, r.expected, got))) }] : []),
        ...(stats.length > 0 ? [{ what: 'running statistic', ...vectorError(stats.map((n) => part(n, r.expected, got))) }] : []),
      ];
      const worst = worstOf(errors);
      const counterOff = counters.find(
        (n) => toFloat64(got[n] ?? { dtype: 'float64', shape: [], data: Float64Array.of(NaN) })[0] !== toFloat64(r.expected[n]!)[0],
      );
      const finite = Number.isFinite(worst.relErr);
      const pass = finite && worst.relErr <= tolerance && counterOff === undefined;
      const why = !finite
        ? `${worst.what === 'output' ? 'output' : `${worst.what} ${worst.worst}`} is not finite (NaN or Inf) or has another shape`
        : counterOff
          ? `${counterOff} is ${toFloat64(got[counterOff] ?? r.expected[counterOff]!)[0]}, expected ${toFloat64(r.expected[counterOff]!)[0]}`
          : `relErr ${worst.relErr.toExponential(2)} in ${worst.what === 'output' ? 'output' : `${worst.what} ${worst.worst}`} > ${tolerance}`;
      checks.push({
        implementation,
        mode: r.mode,
        backend: r.backend,
        relErr: worst.relErr,
        maxAbs: worst.maxAbs,
        tolerance,
        pass,
        worst: worst.worst,
        ...(pass ? {} : { message: `${implementation} differs from ${r.sources.expected} (${r.mode}, ${r.backend}): ${why}` }),
      });
    }
  } finally {
    await worker?.dispose();
  }
  return checks;
}
