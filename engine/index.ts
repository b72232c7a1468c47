/**
 * The engine's public surface: what the CLI, the web host and the Electron utility process call.
 * Pure TypeScript plus TensorFlow.js; nothing here imports Electron, Vue or main/.
 */
import { FusebenchError } from './core/errors.js';
import { parseConfig } from './core/config.js';
import { MODES, type Mode, type WeightSet } from './core/types.js';
import { FAMILIES, getFamily } from './families/index.js';
import { formulaReport, type FormulaReport } from './formulas.js';
import { checkEquivalence, type Equivalence } from './equivalence.js';
import type { BackendName } from './core/backend-names.js';
export { TOOL } from './core/tool.js';
export { tfjsVersion } from './core/tf.js';

/** What a family offers, as listed by `fusebench families --json` and the sweep editor. */
export interface FamilyDescriptor {
  name: string;
  title: string;
  summary: string;
  implementations: string[];
  /** `backends`: where an implementation runs only on some backends (a WGSL kernel: webgpu); absent, on every one. */
  implementationDetails: { name: string; role: 'serial' | 'parallel'; summary: string; backends?: string[] }[];
  /** Every config key with its default (the seed's shapes). */
  config: Record<string, unknown>;
  /** Small shapes that verify in well under a second. */
  small: Record<string, unknown>;
}

export function describeFamilies(): FamilyDescriptor[] {
  return FAMILIES.map((f) => ({
    name: f.name,
    title: f.title,
    summary: f.summary,
    implementations: f.implementations.map((i) => i.name),
    implementationDetails: f.implementations.map((i) => ({
      name: i.name,
      role: i.role,
      summary: i.summary,
      ...(i.backends ? { backends: [...i.backends] } : {}),
    })),
    config: parseConfig(f, {}),
    small: parseConfig(f, f.small),
  }));
}

/** @example formulas('bottleneck', { groups: 12, channels: 512 }).params // 12 · (2·512·256 + 9·256² + 4·256 + 2·512) */
export function formulas(family: string, config: unknown = {}): FormulaReport {
  const f = getFamily(family);
  return formulaReport(f, parseConfig(f, config));
}

export interface VerifyOptions {
  /** One family, or every family when absent. */
  family?: string;
  /** Config overrides on top of the family's small shapes (needs `family`). */
  config?: Record<string, unknown>;
  backend: BackendName;
  modes?: readonly Mode[];
  seed: number;
  /** Serial weights to check instead of the seeded init (needs `family`; engine/weights.ts loadWeights). */
  weights?: WeightSet;
}

/**
 * Checks every parallel implementation against its serial reference on the active backend.
 *
 * @example await verify({ backend: 'wasm', seed: 42 }) // every family × implementation × mode
 */
export async function verify(options: VerifyOptions): Promise<Equivalence[]> {
  if (options.config && !options.family) throw new FusebenchError('--config needs --family: a config belongs to one family', 'usage');
  if (options.weights && !options.family) throw new FusebenchError('--weights needs --family: weights belong to one family', 'usage');
  const families = options.family ? [getFamily(options.family)] : FAMILIES;
  const results: Equivalence[] = [];
  for (const family of families) {
    const config = parseConfig(family, { ...family.small, ...(options.config ?? {}) });
    for (const mode of options.modes ?? MODES) {
      const weights = options.weights ? { weights: options.weights } : {};
      results.push(...(await checkEquivalence({ family, config, mode, backend: options.backend, seed: options.seed, ...weights })));
    }
  }
  return results;
}

export { FAMILIES, getFamily, parseConfig, MODES };
export type { Mode, Equivalence, FormulaReport };
export { disposeWeights, loadWeights, exportWeights, pytorchFormNames, type PytorchWeightsOptions } from './weights.js';
export type { HostTensor, HostTensors } from './core/host-tensor.js';
export type { PytorchLayout, PytorchTensor } from './core/pytorch-layout.js';
