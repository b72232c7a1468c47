import type { ImplementationInfo } from './types.js';

/**
 * Constructors for a family's `torch` list: the implementations the PyTorch worker holds, known before
 * any worker starts so that plans, estimates and the UI can list them (the worker's own list is checked
 * against it when it starts). Names shared with the TypeScript implementations are the same computation;
 * each parallel form is judged against the serial loop with the same primitive.
 */
export const torchSerial = (name: string, primitive: string, summary: string): ImplementationInfo => ({
  name,
  role: 'serial',
  primitive,
  summary,
});

export const torchParallel = (name: string, primitive: string, summary: string, baseline?: string): ImplementationInfo => ({
  name,
  role: 'parallel',
  primitive,
  summary,
  ...(baseline ? { baseline } : {}),
});
