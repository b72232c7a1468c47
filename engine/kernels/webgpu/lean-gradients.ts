import { tf, type Tensor } from '../../core/tf.js';
import { broadcastGrad } from './elementwise.js';

/**
 * tfjs-core 4.22's gradients of Sum and Mean broadcast dy by multiplying it with `ones(x.shape)`, a
 * tensor filled in JavaScript: on WebGPU every training step then fills an input-sized array on the host
 * and uploads it through a fresh staging buffer. A training step's loss Σ output ⊙ probe hits this once
 * per step, and tf.moments (BatchNorm in training) twice per BatchNorm: at the seed's shapes that is
 * ~150 MB per BatchNorm per step, which is most of why a webgpu training step took 4–14× its kernel
 * time (DESIGN.md §7.1). On WebGPU these gradients broadcast dy on the device instead, one pass
 * (elementwise.ts broadcastGrad): the same arithmetic bit for bit ((dy·1)/n = dy/n), no input-sized
 * upload. Not tfjs's Tile or broadcastTo: with a dy still in JavaScript (the loss's seed gradient) tfjs
 * runs those on the CPU and uploads their input-sized result. Other backends keep tfjs's own gradients.
 */
const KERNELS = ['Sum', 'Mean'] as const;
type GradConfig = ReturnType<typeof tf.getGradient>;

const stock = new Map<string, GradConfig>();

function broadcastGradient(kernelName: (typeof KERNELS)[number], original: GradConfig): GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'webgpu') return original.gradFunc(dy, saved, attrs);
      const x = saved[0]!;
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const reduced = axes.reduce((n, a) => n * x.shape[a]!, 1);
      return {
        x: () => broadcastGrad(tf.reshape(dy as Tensor, expanded), x.shape, kernelName === 'Mean' ? reduced : 1),
      };
    },
  };
}

/**
 * Turns the device-side Sum and Mean gradients on WebGPU on (the default, set when the engine loads) or
 * off (tfjs's stock gradients, for before/after measurements: bench/training-step.ts).
 *
 * @example setLeanGradients(false); measure(); setLeanGradients(true); measure();
 */
export function setLeanGradients(on: boolean): void {
  for (const name of KERNELS) {
    if (!stock.has(name)) stock.set(name, tf.getGradient(name));
    const original = stock.get(name)!;
    // registerGradient replaces a registered gradient (tfjs warns only in debug mode).
    tf.registerGradient(on ? broadcastGradient(name, original) : original);
  }
}

setLeanGradients(true);
