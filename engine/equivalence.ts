import { tf, type Tensor } from './core/tf.js';
import { prepare, forward, trainingStep, disposeTraining, type Prepared, type TrainingResult } from './core/run.js';
import type { AnyFamily, Implementation, Mode, Tensors, WeightSet } from './core/types.js';
import { cloneWeights } from './core/ops.js';
import { TOLERANCES, knownDefect, type BackendName } from './backends/backend.js';

/** How far one parallel implementation is from the serial reference at one config. */
export interface Equivalence {
  family: string;
  implementation: string;
  mode: Mode;
  backend: BackendName;
  /** ‖par − ser‖ / ‖ser‖ of the outputs; in training, the larger of that and the gradients' (see compareGradients). */
  relErr: number;
  maxAbs: number;
  pass: boolean;
  tolerance: number;
  /** Replays the check: same seed, same weights and inputs. */
  seed: number;
  /** Training mode: `output`, or the gradient (`input` or a serial weight name) contributing most to the error. */
  worst?: string;
  message?: string;
  /** Set when this backend × implementation × mode is a listed backend defect (KNOWN_DEFECTS). */
  knownDefect?: string;
}

/** Σ(actual − expected)², Σ expected² and max |actual − expected| in float64; undefined on NaN or Inf. */
function errorSums(expected: ArrayLike<number>, actual: ArrayLike<number>): { diff2: number; ref2: number; maxAbs: number } | undefined {
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!Number.isFinite(actual[i]!) || !Number.isFinite(expected[i]!)) return undefined;
    const d = actual[i]! - expected[i]!;
    diff2 += d * d;
    ref2 += expected[i]! * expected[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { diff2, ref2, maxAbs };
}

function ratio(diff2: number, ref2: number): number {
  return ref2 === 0 ? (diff2 === 0 ? 0 : Infinity) : Math.sqrt(diff2 / ref2);
}

/** Error of `actual` against `expected`, in float64 from the downloaded data. */
export function compareArrays(expected: ArrayLike<number>, actual: ArrayLike<number>): { relErr: number; maxAbs: number } {
  if (expected.length !== actual.length) return { relErr: Infinity, maxAbs: Infinity };
  const sums = errorSums(expected, actual);
  return sums ? { relErr: ratio(sums.diff2, sums.ref2), maxAbs: sums.maxAbs } : { relErr: NaN, maxAbs: NaN };
}

async function compareTensors(expected: Tensor, actual: Tensor): Promise<{ relErr: number; maxAbs: number }> {
  if (expected.shape.join() !== actual.shape.join()) return { relErr: Infinity, maxAbs: Infinity };
  return compareArrays(await expected.data<'float32'>(), await actual.data<'float32'>());
}

/**
 * Training-mode gradients compared as one vector: d loss / d input and every weight gradient (serial
 * layout), relErr = ‖Δ‖/‖g‖ over all of them. Per-tensor ratios are meaningless for weights that feed
 * a batch-statistics BatchNorm: its scale invariance makes their true gradient orthogonal to them (zero
 * for a single weight per channel), so what is left is rounding noise. `name` is the tensor
 * contributing most to ‖Δ‖.
 */
async function compareGradients(expected: Outcome, actual: Outcome): Promise<{ name: string; relErr: number; maxAbs: number }> {
  const names = ['input', ...Object.keys(expected.grads!)];
  const pick = (o: Outcome, name: string) => (name === 'input' ? o.inputGrad : o.grads![name]);
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  let worst = { name: 'input', diff2: -1 };
  for (const name of names) {
    const e = pick(expected, name)!;
    const a = pick(actual, name);
    if (!a || a.shape.join() !== e.shape.join()) return { name, relErr: Infinity, maxAbs: Infinity };
    const sums = errorSums(await e.data<'float32'>(), await a.data<'float32'>());
    if (!sums) return { name, relErr: NaN, maxAbs: NaN };
    diff2 += sums.diff2;
    ref2 += sums.ref2;
    maxAbs = Math.max(maxAbs, sums.maxAbs);
    if (sums.diff2 > worst.diff2) worst = { name, diff2: sums.diff2 };
  }
  return { name: worst.name, relErr: ratio(diff2, ref2), maxAbs };
}

/** Serial-layout tensors to compare in training mode: the output, the input gradient and each weight gradient. */
type Outcome = { output: Tensor; grads?: Tensors; inputGrad?: Tensor; training?: TrainingResult };

function run<C>(p: Prepared<C>, x: Tensor, probe: Tensor, config: C, mode: Mode): Outcome {
  const output = forward(p, x, config, mode);
  if (mode === 'inference') return { output };
  const training = trainingStep(p, x, probe, config);
  return { output, grads: training.grads, inputGrad: training.inputGrad, training };
}

function disposeOutcome(o: Outcome): void {
  o.output.dispose();
  if (o.training) disposeTraining(o.training);
}

/** Fresh random input: normal(0, 1) drawn from `seed`, never zeros. */
export function randomInput(shape: number[], seed: number): Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

export interface EquivalenceRequest<C> {
  family: AnyFamily;
  config: C;
  mode: Mode;
  backend: BackendName;
  seed: number;
  /** Parallel implementations to check; all by default. */
  implementations?: readonly string[];
  /** Serial weights to check (e.g. a user's checkpoint, engine/weights.ts loadWeights) instead of the seeded init; not disposed. */
  weights?: WeightSet;
}

/**
 * Checks every (or the chosen) parallel implementation of a family against its serial reference on
 * fresh random weights and inputs from `seed`, on the active backend. Leaves no tensor behind.
 *
 * @example await checkEquivalence({ family: getFamily('gmp'), config, mode: 'inference', backend: 'wasm', seed: 1 })
 */
export async function checkEquivalence<C>(req: EquivalenceRequest<C>): Promise<Equivalence[]> {
  const { family, config, mode, backend, seed } = req;
  if (mode === 'training') family.trainingRules?.(config);
  const [serialImpl, ...parallel] = family.implementations as readonly Implementation<C>[];
  const chosen = parallel.filter((i) => !req.implementations || req.implementations.includes(i.name));
  const tolerance = mode === 'inference' ? TOLERANCES[backend].forward : TOLERANCES[backend].gradient;
  const serialWeights = tf.tidy(
    () => (req.weights ? cloneWeights(req.weights) : family.init(config, seed)) as unknown as tf.TensorContainer,
  ) as unknown as ReturnType<AnyFamily['init']>;
  const x = randomInput(family.inputShape(config), seed + 1);
  const reference = prepare(serialImpl!, serialWeights, config);
  const sample = forward(reference, x, config, 'inference');
  const probe = randomInput(sample.shape, seed + 2);
  sample.dispose();
  const expected = run(reference, x, probe, config, mode);
  const results: Equivalence[] = [];
  try {
    for (const impl of chosen) {
      const p = prepare(impl, serialWeights, config);
      let actual: Outcome | undefined;
      try {
        actual = run(p, x, probe, config, mode);
        const output = await compareTensors(expected.output, actual.output);
        let worst = { name: 'output', ...output };
        if (mode === 'training') {
          const gradients = await compareGradients(expected, actual);
          if (!(gradients.relErr <= output.relErr)) worst = gradients;
          worst.maxAbs = Math.max(output.maxAbs, gradients.maxAbs);
        }
        const pass = Number.isFinite(worst.relErr) && worst.relErr <= tolerance;
        const defect = knownDefect(backend, family.name, impl.name, mode);
        results.push({
          family: family.name,
          implementation: impl.name,
          mode,
          backend,
          relErr: worst.relErr,
          maxAbs: worst.maxAbs,
          pass,
          tolerance,
          seed,
          ...(mode === 'training' ? { worst: worst.name } : {}),
          ...(pass
            ? {}
            : {
                message:
                  `${impl.name} differs from ${serialImpl!.name} (${mode}, ${backend}): relErr ${worst.relErr} in ${worst.name} > ${tolerance}; ` +
                  `replay with --seed ${seed}${defect ? ` (known backend defect: ${defect})` : ''}`,
                ...(defect ? { knownDefect: defect } : {}),
              }),
        });
      } finally {
        if (actual) disposeOutcome(actual);
        p.dispose();
      }
    }
  } finally {
    disposeOutcome(expected);
    reference.dispose();
    tf.dispose([x, probe, ...Object.values(serialWeights.trainable), ...Object.values(serialWeights.buffers)]);
  }
  return results;
}
