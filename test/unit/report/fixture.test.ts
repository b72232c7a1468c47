import { describe, expect, it } from 'vitest';
import { resultsSchema } from '../../../engine/files/schemas.js';
import { fixture } from './fixture.js';

describe('report fixture', () => {
  it('is a valid results file, unchanged by parsing', () => {
    expect(resultsSchema.parse(fixture)).toEqual(fixture);
  });

  it('holds the cases the report must handle', () => {
    const statuses = fixture.points.map((p) => p.status);
    expect(statuses.filter((s) => s === 'invalid')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'error')).toHaveLength(1);
    expect(fixture.points.filter((p) => p.equivalence?.pass === false)).toHaveLength(1);
    expect(fixture.points).toHaveLength(22);
  });
});
