import { tf, type Tensor } from './core/tf.js';
import { prepare, forward, TrainingSession } from './core/run.js';
import { runsOn, type AnyFamily, type Implementation, type Mode, type Tensors, type WeightSet } from './core/types.js';
import { cloneWeights } from './core/ops.js';
import { TOLERANCES, knownDefect, type BackendName } from './core/backend-names.js';
import { deviceIdle } from './core/device-sync.js';
import { now } from './core/clock.js';
import { worstOf } from './vector-error.js';

/** How far one parallel implementation is from the serial reference at one config. */
export interface Equivalence {
  family: string;
  implementation: string;
  mode: Mode;
  backend: BackendName;
  /** ‖par − ser‖ / ‖ser‖ of the outputs; in training, the largest of that, the gradients' and the running statistics' (see compareSets). */
  relErr: number;
  maxAbs: number;
  pass: boolean;
  tolerance: number;
  /** Replays the check: same seed, same weights and inputs. */
  seed: number;
  /** Training mode: `output`, the gradient (`input` or a serial weight name) or the running statistic contributing most to the error. */
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
 * Tensors compared as one vector: relErr = ‖Δ‖/‖ref‖ over all of them. Per-tensor ratios are
 * meaningless for weights that feed a batch-statistics BatchNorm: its scale invariance makes their true
 * gradient orthogonal to them (zero for a single weight per channel), so what is left is rounding
 * noise. `name` is the tensor contributing most to ‖Δ‖.
 */
async function compareSets(expected: Tensors, actual: Tensors): Promise<{ name: string; relErr: number; maxAbs: number }> {
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  let worst = { name: Object.keys(expected)[0] ?? 'output', diff2: -1 };
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name];
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

/** What the gate compares, in the serial layout: the output, and in training the gradients and running statistics. */
interface Outcome {
  output: Tensor;
  /** d loss / d input (`input`) and d loss / d each serial weight. */
  grads?: Tensors;
  /** BatchNorm running statistics after one training step, serial names. */
  statistics?: Tensors;
  /** The first call, cold: dispatch plus completion, in milliseconds. */
  firstCallMs: number;
}

function disposeOutcome(o: Outcome): void {
  tf.dispose([o.output, ...Object.values(o.grads ?? {}), ...Object.values(o.statistics ?? {})]);
}

/**
 * Runs `impl` once, cold, and maps what it computed back to the serial layout. Inference: one forward.
 * Training: one step of a TrainingSession (forward with batch statistics, backward, running statistics
 * updated); parallel gradients and statistics go through toSerial here, never inside a timed sample.
 */
async function runOnce<C>(impl: Implementation<C>, inputs: GateInputs, config: C, mode: Mode): Promise<Outcome> {
  const p = prepare(impl, inputs.serial, config);
  try {
    if (mode === 'inference') {
      const t0 = now();
      const output = forward(p, inputs.x, config);
      await deviceIdle();
      return { output, firstCallMs: now() - t0 };
    }
    const session = new TrainingSession(p, inputs.x, inputs.probe, config);
    try {
      const t0 = now();
      const step = session.step(true);
      await deviceIdle();
      const firstCallMs = now() - t0;
      const serial = session.inSerialLayout(step);
      return { output: serial.output, grads: { input: serial.inputGrad, ...serial.grads }, statistics: serial.statistics, firstCallMs };
    } finally {
      session.dispose();
    }
  } finally {
    p.dispose();
  }
}

/** Fresh random input: normal(0, 1) drawn from `seed`, never zeros. */
export function randomInput(shape: number[], seed: number): Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** The gate's inputs, drawn once from a seed: serial weights, the input and the training probe. */
export interface GateInputs {
  serial: WeightSet;
  x: Tensor;
  /** Same shape as the output: loss = Σ output ⊙ probe in training mode. */
  probe: Tensor;
}

/**
 * Draws serial weights from `seed` (or copies the given ones), the input from seed + 1 and the probe
 * from seed + 2.
 */
export function drawInputs(family: AnyFamily, config: object, seed: number, weights?: WeightSet): GateInputs {
  const serial = tf.tidy(
    () => (weights ? cloneWeights(weights) : family.init(config, seed)) as unknown as tf.TensorContainer,
  ) as unknown as WeightSet;
  return { serial, x: randomInput(family.inputShape(config), seed + 1), probe: randomInput(family.outputShape(config), seed + 2) };
}

export function disposeInputs(i: GateInputs): void {
  tf.dispose([i.x, i.probe, ...Object.values(i.serial.trainable), ...Object.values(i.serial.buffers)]);
}

export interface EquivalenceRequest<C> {
  family: AnyFamily;
  config: C;
  mode: Mode;
  backend: BackendName;
  seed: number;
  /** Implementations to check against the reference; every other one by default. */
  implementations?: readonly string[];
  /** Inputs drawn by the caller (and freed by it); drawn from `seed` here otherwise. */
  inputs?: GateInputs;
  /** Serial weights to check (e.g. a user's checkpoint, engine/weights.ts loadWeights) instead of the seeded init; not disposed. */
  weights?: WeightSet;
}

export interface GateResult {
  checks: Equivalence[];
  /** The cold first call of the reference and of every checked implementation, by name. */
  firstCallMs: Map<string, number>;
}

/**
 * The equivalence gate: runs the family's reference (its first implementation) and every chosen other
 * implementation that runs on the backend once on the same weights and input, and compares them in the serial layout: the
 * output; in training also the gradients (input and every weight, one vector) and the BatchNorm running
 * statistics after the step. Times each first call on the way (cold). Leaves no tensor behind.
 *
 * @example const { checks } = await runGate({ family: getFamily('gmp'), config, mode: 'inference', backend: 'wasm', seed: 1 })
 */
export async function runGate<C>(req: EquivalenceRequest<C>): Promise<GateResult> {
  const { family, config, mode, backend, seed } = req;
  if (mode === 'training') family.trainingRules?.(config);
  const [reference, ...others] = family.implementations as readonly Implementation<C>[];
  const chosen = others.filter((i) => runsOn(i, backend) && (!req.implementations || req.implementations.includes(i.name)));
  const tolerance = mode === 'inference' ? TOLERANCES[backend].forward : TOLERANCES[backend].gradient;
  const inputs = req.inputs ?? drawInputs(family, config as object, seed, req.weights);
  const firstCallMs = new Map<string, number>();
  const checks: Equivalence[] = [];
  let expected: Outcome | undefined;
  try {
    expected = await runOnce(reference!, inputs, config, mode);
    firstCallMs.set(reference!.name, expected.firstCallMs);
    for (const impl of chosen) {
      const actual = await runOnce(impl, inputs, config, mode);
      try {
        firstCallMs.set(impl.name, actual.firstCallMs);
        const parts = [{ name: 'output', ...(await compareTensors(expected.output, actual.output)) }];
        if (mode === 'training') {
          parts.push(await compareSets(expected.grads!, actual.grads!));
          if (Object.keys(expected.statistics!).length > 0) {
            const stats = await compareSets(expected.statistics!, actual.statistics!);
            parts.push({ ...stats, name: `running statistics (${stats.name})` });
          }
        }
        const worst = worstOf(parts);
        const maxAbs = Math.max(...parts.map((x) => x.maxAbs));
        const pass = Number.isFinite(worst.relErr) && worst.relErr <= tolerance;
        const defect = knownDefect(backend, family.name, impl.name, mode);
        checks.push({
          family: family.name,
          implementation: impl.name,
          mode,
          backend,
          relErr: worst.relErr,
          maxAbs,
          pass,
          tolerance,
          seed,
          ...(mode === 'training' ? { worst: worst.name } : {}),
          ...(pass
            ? {}
            : {
                message:
                  `${impl.name} differs from ${reference!.name} (${mode}, ${backend}): relErr ${worst.relErr} in ${worst.name} > ${tolerance}; ` +
                  `replay with --seed ${seed}${defect ? ` (known backend defect: ${defect})` : ''}`,
                ...(defect ? { knownDefect: defect } : {}),
              }),
        });
      } finally {
        disposeOutcome(actual);
      }
    }
  } finally {
    if (expected) disposeOutcome(expected);
    if (!req.inputs) disposeInputs(inputs);
  }
  return { checks, firstCallMs };
}

/**
 * Checks every (or the chosen) implementation of a family against its reference on fresh random
 * weights and inputs from `seed`, on the active backend.
 *
 * @example await checkEquivalence({ family: getFamily('gmp'), config, mode: 'inference', backend: 'wasm', seed: 1 })
 */
export async function checkEquivalence<C>(req: EquivalenceRequest<C>): Promise<Equivalence[]> {
  return (await runGate(req)).checks;
}
