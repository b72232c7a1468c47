import { runsOn, type AnyFamily, type Implementation, type ImplementationInfo } from '../core/types.js';
import type { BackendName } from '../core/backend-names.js';
import { FusebenchError } from '../core/errors.js';
import { replicate } from './replicate.js';
import { bottleneck } from './bottleneck.js';
import { gmp } from './gmp.js';
import { classLinear } from './class-linear.js';
import { groupLinear } from './group-linear.js';
import { batchnorm } from './batchnorm.js';
import { classHead } from './class-head.js';
import { attributeHead } from './attribute-head.js';

/** Every layer family, in the order the seed meets them (DESIGN.md §2). One per line: a new family adds its line. */
// prettier-ignore
export const FAMILIES: readonly AnyFamily[] = [
  replicate,
  bottleneck,
  gmp,
  classLinear,
  groupLinear,
  batchnorm,
  classHead,
  attributeHead,
];

export function getFamily(name: string): AnyFamily {
  const family = FAMILIES.find((f) => f.name === name);
  if (!family) {
    throw new FusebenchError(`unknown family '${name}'; use one of ${FAMILIES.map((f) => f.name).join(', ')}`, 'usage');
  }
  return family;
}

/** One implementation of a family by name, or a usage error listing the ones there are. */
export function getImplementation(family: AnyFamily, name: string): Implementation<object> {
  const impl = (family.implementations as readonly Implementation<object>[]).find((i) => i.name === name);
  if (!impl) {
    throw new FusebenchError(
      `${family.name} has no implementation '${name}'; use one of ${family.implementations.map((i) => i.name).join(', ')}`,
      'usage',
    );
  }
  return impl;
}

/**
 * The implementations a family has on `backend`, the reference first: the TypeScript ones that run
 * there, or on `torch` the PyTorch worker's (the family's `torch` list).
 */
export function implementationsOn(family: AnyFamily, backend: BackendName): readonly ImplementationInfo[] {
  if (backend === 'torch') return family.torch ?? [];
  return (family.implementations as readonly Implementation<object>[]).filter((i) => runsOn(i, backend));
}
