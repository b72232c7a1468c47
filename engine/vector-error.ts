/**
 * relErr = ‖actual − expected‖ / ‖expected‖ over several tensors taken as one vector (engine/equivalence.ts
 * compares gradients this way: per-tensor ratios are noise for weights feeding a batch-statistics
 * BatchNorm), computed in float64 from host data. NaN or Inf anywhere gives NaN; a missing or
 * mis-sized tensor gives Infinity. `worst` names the tensor contributing most to the difference.
 */
export interface VectorError {
  relErr: number;
  maxAbs: number;
  worst: string;
}

export interface VectorPart {
  name: string;
  expected: ArrayLike<number>;
  actual: ArrayLike<number> | undefined;
}

export function vectorError(parts: readonly VectorPart[]): VectorError {
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  let worst = { name: parts[0]?.name ?? '', diff2: -1 };
  for (const { name, expected, actual } of parts) {
    if (!actual || actual.length !== expected.length) return { relErr: Infinity, maxAbs: Infinity, worst: name };
    let d2 = 0;
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      const a = actual[i]!;
      if (!Number.isFinite(a) || !Number.isFinite(e)) return { relErr: NaN, maxAbs: NaN, worst: name };
      const d = a - e;
      d2 += d * d;
      ref2 += e * e;
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    diff2 += d2;
    if (d2 > worst.diff2) worst = { name, diff2: d2 };
  }
  const relErr = ref2 === 0 ? (diff2 === 0 ? 0 : Infinity) : Math.sqrt(diff2 / ref2);
  return { relErr, maxAbs, worst: worst.name };
}

/**
 * The part with the largest error, a non-finite one (NaN: the values were not finite) above all: a
 * check is as bad as its worst part, and a NaN output must never hide behind finite statistics.
 *
 * @example worstOf([{ relErr: 1e-7 }, { relErr: NaN }, { relErr: 3e-6 }]).relErr // NaN
 */
export function worstOf<T extends { relErr: number }>(parts: readonly T[]): T {
  return parts.reduce((a, b) => (Number.isNaN(a.relErr) ? a : Number.isNaN(b.relErr) || b.relErr > a.relErr ? b : a));
}
