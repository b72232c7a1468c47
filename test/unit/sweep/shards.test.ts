import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expandProfile } from '../../../engine/sweep/expand.js';
import { assignShards, parseShard, planHash, shardGroups, shardLoads } from '../../../engine/sweep/shards.js';
import { mergeShards } from '../../../engine/sweep/merge.js';
import { readProfileFile } from '../../../engine/files/node-files.js';
import type { SweepResults } from '../../../engine/files/schemas.js';
import { fixture } from '../report/fixture.js';
import { renderCsv } from '../../../engine/report/csv.js';

const SHIPPED = readdirSync('profiles')
  .filter((f) => f.endsWith('.profile.json'))
  .map((f) => readProfileFile(join('profiles', f)));

describe('shards of a plan', () => {
  it('reads i/N and refuses anything else by the flag', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1', '1/2/3', '-1/2'])
      expect(() => parseShard(bad), bad).toThrow(/--shard must be i\/N/);
  });

  it('cuts every shipped profile into disjoint shards that hold each group once, the same way every time', () => {
    for (const profile of SHIPPED) {
      const groups = expandProfile(profile);
      for (const count of [1, 2, 3, 4, 7]) {
        const a = assignShards(groups, profile.measure, count);
        expect(assignShards(groups, profile.measure, count), profile.name).toEqual(a);
        const keys = Array.from({ length: count }, (_, i) =>
          shardGroups(groups, profile.measure, { index: i + 1, count }).flatMap((g) => g.keys),
        );
        const all = keys.flat();
        expect(new Set(all).size, `${profile.name} ${count}`).toBe(all.length);
        expect(all.sort(), `${profile.name} ${count}`).toEqual(groups.flatMap((g) => g.keys).sort());
      }
    }
  });

  it('balances the shipped profiles: no shard over 1.5× the mean estimated cost', () => {
    for (const profile of SHIPPED) {
      const groups = expandProfile(profile);
      for (const count of [2, 3, 4]) {
        const loads = shardLoads(groups, profile.measure, count);
        const mean = loads.reduce((a, b) => a + b, 0) / count;
        expect(Math.max(...loads) / mean, `${profile.name} in ${count}: ${loads.map(Math.round).join(', ')}`).toBeLessThanOrEqual(1.5);
      }
    }
  });

  it('hashes the plan: the profile and the backends it runs on', () => {
    const p = SHIPPED[0]!;
    expect(planHash(p, ['wasm'])).toBe(planHash(structuredClone(p), ['wasm']));
    expect(planHash(p, ['wasm'])).not.toBe(planHash(p, ['torch']));
    expect(planHash(p, ['wasm'])).not.toBe(planHash({ ...p, name: `${p.name}-2` }, ['wasm']));
  });
});

describe('merging shards', () => {
  const plan = planHash(fixture.profile, ['wasm']);
  const third = Math.ceil(fixture.points.length / 3);
  const shard = (index: number, over: Partial<SweepResults> = {}): { path: string; results: SweepResults } => ({
    path: `s${index}`,
    results: {
      ...fixture,
      environment: { ...fixture.environment, host: `node-${index}` },
      points: fixture.points.slice((index - 1) * third, index * third),
      shard: { index, count: 3, planHash: plan },
      ...over,
    },
  });

  it('gathers every point once, each naming its shard, and keeps each shard’s machine', () => {
    const { results, missing, machines } = mergeShards([shard(3), shard(1), shard(2)]);
    expect(missing).toEqual([]);
    expect(results.complete).toBe(true);
    expect(results.points.map((p) => p.key).sort()).toEqual(fixture.points.map((p) => p.key).sort());
    expect(results.shards?.map((s) => [s.index, s.environment.host])).toEqual([
      [1, 'node-1'],
      [2, 'node-2'],
      [3, 'node-3'],
    ]);
    expect(new Set(results.points.map((p) => p.shard))).toEqual(new Set([1, 2, 3]));
    expect(machines).toHaveLength(3);
    expect(results.shard).toBeUndefined();
    // Reports say which machine measured each point: a shard and machine column in the CSV.
    const [header, ...rows] = renderCsv(results).trim().split('\r\n');
    expect(header!.split(',').slice(-2)).toEqual(['shard', 'machine']);
    const first = results.points[0]!;
    expect(rows[0]).toContain(`,${first.shard},node-${first.shard} · `);
  });

  it('refuses parts of other sweeps, a shard twice, overlapping points and missing shards (unless partial)', () => {
    expect(() => mergeShards([shard(1), shard(2, { shard: { index: 2, count: 3, planHash: 'other' } })])).toThrow(/is from another sweep/);
    expect(() => mergeShards([shard(1), shard(2, { shard: { index: 2, count: 4, planHash: plan } })])).toThrow(/is from another sweep/);
    expect(() => mergeShards([shard(1), { ...shard(1), path: 'again' }])).toThrow(/shard 1\/3 is given twice: s1 and again/);
    expect(() => mergeShards([shard(1), shard(2, { points: fixture.points.slice(0, 2) }), shard(3)])).toThrow(/is in two shards/);
    expect(() => mergeShards([shard(1), { path: 'whole', results: fixture }])).toThrow(/whole is not a shard/);
    expect(() => mergeShards([shard(1), shard(3)])).toThrow(/shard 2\/3 missing: run it .* or pass --allow-partial/);
    const partial = mergeShards([shard(1), shard(3)], { allowPartial: true });
    expect(partial.missing).toEqual([2]);
    expect(partial.results.complete).toBe(false);
  });
});
