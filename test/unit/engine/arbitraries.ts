import fc from 'fast-check';
import type { AnyFamily } from '../../../engine/core/types.js';

/** Small random configs per family that satisfy every rule, for property-based equivalence tests. */
const dim = (max: number) => fc.integer({ min: 1, max });
const even = (max: number) => fc.integer({ min: 1, max }).map((n) => 2 * n);
const ragged = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 });

export const smallConfigs: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  replicate: fc.record({ batch: dim(3), groups: dim(5), channels: dim(4), height: dim(4), width: dim(4) }),
  bottleneck: fc.record({ batch: dim(2), groups: dim(4), channels: even(3), height: dim(4), width: dim(4), squeeze: fc.constant(2) }),
  gmp: fc.record({ batch: dim(3), groups: dim(4), channels: dim(4), height: dim(4), width: dim(4) }),
  'class-linear': fc.record({ batch: dim(3), classesPerGroup: ragged, groupChannels: dim(6), classChannels: dim(5) }),
  'group-linear': fc.record({ batch: dim(3), groups: dim(5), inFeatures: dim(6), outFeatures: dim(5) }),
  batchnorm: fc.record({ batch: fc.integer({ min: 2, max: 3 }), groups: dim(4), channels: dim(4), height: dim(3), width: dim(3) }),
  'class-head': fc.record({ batch: dim(3), classes: dim(5), classChannels: even(3), reduction: fc.constant(2) }),
  'attribute-head': ragged.chain((classesPerGroup) =>
    fc.record({
      batch: dim(2),
      inChannels: dim(6),
      groups: fc.constant(classesPerGroup.length),
      groupChannels: even(2),
      height: dim(3),
      width: dim(3),
      classesPerGroup: fc.constant(classesPerGroup),
      classChannels: even(2),
      squeeze: fc.constant(2),
      reduction: fc.constant(2),
    }),
  ),
};

/**
 * Random configs for any family: its hand-written generator above where there is one, otherwise its
 * own small shapes. So a new family joins every property suite with no edit here (a generator can
 * come later, to widen what the properties cover).
 */
export function configArbitrary(family: AnyFamily): fc.Arbitrary<Record<string, unknown>> {
  return smallConfigs[family.name] ?? fc.constant({ ...(family.small as Record<string, unknown>) });
}
