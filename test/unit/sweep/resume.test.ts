import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJournal, parseResults } from '../../../engine/files/read.js';
import { expandProfile } from '../../../engine/sweep/expand.js';
import { readProfileFile } from '../../../engine/files/node-files.js';

/** Counts journal lines written so far (header included). */
const journalLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0);

describe('crash-safe sweeps', () => {
  it('a sweep killed mid-run resumes to the same set of points, none lost or duplicated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-resume-'));
    const profile = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8'));
    profile.name = 'resume-test';
    profile.measure = { ...profile.measure, warmupMs: 30, maxMsPerPoint: 120, minSamples: 50, maxSamples: 50 };
    const profilePath = join(dir, 'resume-test.profile.json');
    writeFileSync(profilePath, JSON.stringify(profile));
    const out = join(dir, 'out');
    const journal = join(out, 'resume-test.sweep.ndjson');

    const child = spawn(process.execPath, ['bin/fusebench.mjs', 'sweep', profilePath, '--out', out], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (journalLines(journal) < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = parseJournal(journal, readFileSync(journal, 'utf8'));
    const planned = expandProfile(readProfileFile(profilePath)).flatMap((g) => g.keys);
    expect(before.points.length).toBeGreaterThanOrEqual(11);
    expect(before.points.length).toBeLessThan(planned.length);
    expect(existsSync(join(out, 'resume-test.sweep.json'))).toBe(false);

    const resumed = spawnSync(process.execPath, ['bin/fusebench.mjs', 'sweep', profilePath, '--out', out, '--resume', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ complete: true, resumedPoints: before.points.length });
    const results = parseResults('results', readFileSync(join(out, 'resume-test.sweep.json'), 'utf8'));
    const keys = results.points.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys)).toEqual(new Set(planned));
    // Points finished before the kill are kept as they were, not measured again.
    for (const p of before.points) expect(results.points.find((r) => r.key === p.key)!.finishedAt).toBe(p.finishedAt);
    const after = parseJournal(journal, readFileSync(journal, 'utf8'));
    expect(new Set(after.points.map((p) => p.key)).size).toBe(after.points.length);
  });

  it('refuses to start over an existing journal without --resume, and to resume nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-resume-'));
    const again = () =>
      spawnSync(process.execPath, ['bin/fusebench.mjs', 'sweep', 'profiles/smoke.profile.json', '--out', dir, '--json'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
    const resume = spawnSync(process.execPath, ['bin/fusebench.mjs', 'sweep', 'profiles/smoke.profile.json', '--out', dir, '--resume'], {
      encoding: 'utf8',
    });
    expect(resume.status).toBe(2);
    expect(resume.stderr).toMatch(/there is no journal .* to continue/);
    expect(again().status).toBe(0);
    const second = again();
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/already holds a journal of this sweep; pass --resume/);
  });

  it('a corrupted results file fails with one line naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-bad-'));
    const bad = join(dir, 'bad.sweep.json');
    writeFileSync(bad, '{"schemaVersion": 1, "tool": {"name": "fusebench"');
    const r = spawnSync(process.execPath, ['bin/fusebench.mjs', 'report', bad, '--format', 'csv'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad.sweep.json: is not valid JSON \(it looks truncated\)/);
  });
});
