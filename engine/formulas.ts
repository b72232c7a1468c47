import type { AnyFamily, Formulas, ImplementationFormulas } from './core/types.js';
import { getImplementation } from './families/index.js';

const BYTES_PER_ELEMENT = 4;

/** Stored parameters, executed FLOPs and predicted peak bytes of one implementation at `config`. */
export function implementationFormulas(family: AnyFamily, implementation: string, config: object): ImplementationFormulas {
  const impl = getImplementation(family, implementation);
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
