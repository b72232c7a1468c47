import type { AnyFamily, Formulas, Implementation, ImplementationFormulas } from './core/types.js';
import { getImplementation } from './families/index.js';

const BYTES_PER_ELEMENT = 4;

/**
 * The TypeScript implementation whose formulas stand for `name`: itself or, for one only the PyTorch worker
 * runs (replicate's parallel.expandReshape), the form its PyTorch layout goes via (the same arithmetic), else
 * the family's first of its role. A name neither side has is a usage error listing the family's.
 */
function formulaImplementation(family: AnyFamily, name: string): Implementation<object> {
  const all = family.implementations as readonly Implementation<object>[];
  const own = all.find((i) => i.name === name);
  const torch = family.torch?.find((t) => t.name === name);
  if (own || !torch) return own ?? getImplementation(family, name);
  const via = (family.pytorch?.parallel as Record<string, { via?: string }> | undefined)?.[name]?.via;
  return all.find((i) => i.name === via) ?? all.find((i) => i.role === torch.role) ?? getImplementation(family, name);
}

/** Stored parameters, executed FLOPs and predicted peak bytes of one implementation at `config`. */
export function implementationFormulas(family: AnyFamily, implementation: string, config: object): ImplementationFormulas {
  const impl = formulaImplementation(family, implementation);
  const f = family.formulas(config);
  const allocated = impl.allocations(config).reduce((a: number, b: number) => a + b, 0) * BYTES_PER_ELEMENT;
  return {
    storedParams: impl.storedParams?.(config) ?? f.params,
    executedFlops: impl.executedFlops?.(config) ?? f.flops,
    // Temporaries are freed before the call ends, but the last ones can sit on top of everything kept.
    predictedPeakBytes: allocated + (impl.scratch?.(config) ?? 0) * BYTES_PER_ELEMENT,
    bytesWritten: allocated,
  };
}

/** The `fusebench formulas` answer: the family's closed forms and each implementation's. */
export interface FormulaReport extends Formulas {
  family: string;
  config: object;
  /** Predicted peak bytes of a forward pass per implementation (inference mode). */
  predictedPeakBytes: Record<string, number>;
  implementations: Record<string, ImplementationFormulas>;
}

/** @example formulaReport(getFamily('bottleneck'), parseConfig(getFamily('bottleneck'), { groups: 12 })) */
export function formulaReport(family: AnyFamily, config: object): FormulaReport {
  const implementations = Object.fromEntries(family.implementations.map((i) => [i.name, implementationFormulas(family, i.name, config)]));
  return {
    family: family.name,
    config,
    ...family.formulas(config),
    predictedPeakBytes: Object.fromEntries(Object.entries(implementations).map(([k, v]) => [k, v.predictedPeakBytes])),
    implementations,
  };
}
