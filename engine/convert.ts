/**
 * `fusebench convert`: a checkpoint from one weight layout into another (serial ↔ any parallel form),
 * checked before it is handed back: the converted weights, read back in their own layout, must
 * compute what the originals compute on a seeded input.
 */
import { tf } from './core/tf.js';
import { parseConfig } from './core/config.js';
import type { HostTensors } from './core/host-tensor.js';
import type { Implementation } from './core/types.js';
import { getFamily } from './families/index.js';
import { randomInput } from './equivalence.js';
import { TOLERANCES } from './core/backend-names.js';
import { disposeLayerRun, runLayer } from './run-layer.js';
import { vectorError } from './vector-error.js';
import { disposeWeights, exportWeights, formName, loadOwnWeights, loadWeights } from './weights.js';

export interface ConvertRequest {
  family: string;
  config: Record<string, unknown>;
  /** The layout of `tensors`: `serial` (default) or an implementation's name. */
  from?: string;
  /** The layout to produce: `serial` or an implementation's name. */
  to: string;
  tensors: HostTensors;
  /** File name for messages. */
  source?: string;
  /** Seed of the check's input. */
  seed?: number;
}

export interface ConvertResult {
  tensors: HostTensors;
  /** The form written: `to`, or the form it shares (a WGSL kernel keeps another form's weights). */
  layout: string;
  /** Output of the converted weights (in the implementation that holds them) against the originals (serial), inference. */
  check: { implementation: string; relErr: number; maxAbs: number; tolerance: number; pass: boolean };
}

/**
 * Converts a checkpoint between layouts on the active TensorFlow.js backend (fp32) and checks the
 * result; the caller writes it only when `check.pass`. serial → parallel → serial is exact.
 *
 * @example const { tensors, check } = convertCheckpoint({ family: 'group-linear', config, to: 'parallel.groupedConv1d', tensors: read.tensors });
 */
export function convertCheckpoint(r: ConvertRequest): ConvertResult {
  const family = getFamily(r.family);
  const config = parseConfig<object>(family, r.config);
  const source = r.source ?? 'weights';
  const serial = loadWeights(family, config, r.tensors, { layout: 'pytorch', implementation: r.from, source });
  try {
    const tensors = exportWeights(family, config, serial, { layout: 'pytorch', implementation: r.to });
    const { own, form } = loadOwnWeights(family, config, tensors, {
      layout: 'pytorch',
      implementation: r.to,
      source: `converted ${source}`,
    });
    const x = randomInput(family.inputShape(config), r.seed ?? 1);
    try {
      const expected = runLayer(family.implementations[0] as Implementation<object>, serial, config, 'inference', x);
      const actual = runLayer(form.via, own, config, 'inference', x, undefined, true);
      try {
        const err = vectorError([{ name: 'output', expected: expected.output.dataSync(), actual: actual.output.dataSync() }]);
        const tolerance = TOLERANCES.cpu.forward;
        return {
          tensors,
          layout: formName(family, r.to),
          check: {
            implementation: form.via.name,
            relErr: err.relErr,
            maxAbs: err.maxAbs,
            tolerance,
            pass: Number.isFinite(err.relErr) && err.relErr <= tolerance,
          },
        };
      } finally {
        disposeLayerRun(expected);
        disposeLayerRun(actual);
      }
    } finally {
      tf.dispose(x);
      disposeWeights(own);
    }
  } finally {
    disposeWeights(serial);
  }
}
