import type { AnyFamily } from '../core/types.js';
import { FusebenchError } from '../core/errors.js';
import { replicate } from './replicate.js';
import { groupLinear } from './group-linear.js';

/** Every layer family, in the order the seed meets them. */
export const FAMILIES: readonly AnyFamily[] = [replicate, groupLinear];

export function getFamily(name: string): AnyFamily {
  const family = FAMILIES.find((f) => f.name === name);
  if (!family) {
    throw new FusebenchError(`unknown family '${name}'; use one of ${FAMILIES.map((f) => f.name).join(', ')}`, 'usage');
  }
  return family;
}
