import { describe, expect, it } from 'vitest';
import { getFamily } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { checkEquivalence } from '../../../engine/equivalence.js';
import { KNOWN_DEFECTS } from '../../../engine/core/backend-names.js';
import { activate } from './backends.js';

/**
 * Every listed backend defect must still reproduce, and the equivalence gate must catch it; when a
 * TensorFlow.js upgrade fixes one, this fails and the entry comes off the list.
 */
describe('known backend defects', () => {
  it.each(KNOWN_DEFECTS.map((d) => [`${d.backend} ${d.family} ${d.implementation} ${d.mode}`, d] as const))(
    '%s is caught by the gate',
    async (_n, defect) => {
      await activate(defect.backend);
      const family = getFamily(defect.family);
      const config = parseConfig(family, defect.reproduce.config);
      const results = await checkEquivalence({
        family,
        config,
        mode: defect.mode,
        backend: defect.backend,
        seed: defect.reproduce.seed,
        implementations: [defect.implementation],
      });
      expect(results).toHaveLength(1);
      expect(results[0]!.pass).toBe(false);
      expect(results[0]!.knownDefect).toBe(defect.why);
      expect(results[0]!.message).toContain(`--seed ${defect.reproduce.seed}`);
    },
  );
});
