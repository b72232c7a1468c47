import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResults } from '../../../engine/files/read.js';
import { countPoints, expandProfile, readProfileFile } from '../../../engine/node.js';

/** The smoke profile's points, by expanding it. */
const total = countPoints(expandProfile(readProfileFile('profiles/smoke.profile.json')));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fusebench.mjs', ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('fusebench sweep and report', () => {
  const out = mkdtempSync(join(tmpdir(), 'fb-sweep-'));

  it('runs the smoke profile to results, journal and report, with plain progress lines off a terminal', () => {
    const r = run('sweep', 'profiles/smoke.profile.json', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(new RegExp(`^smoke: ${total} points → `));
    expect(r.err).toMatch(new RegExp(`progress ${total}/${total} 100%`));
    expect(r.out).toMatch(/^bottleneck · inference · wasm\n {2}(fusing|undecided)/m);
    expect(r.out).toMatch(new RegExp(`complete: ${total} points`));
    const results = parseResults('smoke', readFileSync(join(out, 'smoke.sweep.json'), 'utf8'));
    expect(results.complete).toBe(true);
    expect(results.points).toHaveLength(total);
    expect(readFileSync(join(out, 'smoke.sweep.ndjson'), 'utf8').trim().split('\n')).toHaveLength(total + 1);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(https?:/);
  });

  it.each([
    ['csv', 'report.csv', (t: string) => expect(t.trim().split('\n')).toHaveLength(total + 1)],
    ['md', 'report.md', (t: string) => expect(t).toMatch(/^# /)],
    ['json', 'report.json', (t: string) => expect(JSON.parse(t).points).toHaveLength(total)],
    ['html', 'report.html', (t: string) => expect(t).toMatch(/<!doctype html>/i)],
  ])('report --format %s writes %s beside the results', (format, name, check) => {
    const r = run('report', join(out, 'smoke.sweep.json'), '--format', format);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe(join(out, name));
    check(readFileSync(join(out, name), 'utf8'));
  });

  it('report --format svg writes one SVG per chart', () => {
    const dir = join(out, 'svg');
    const r = run('report', join(out, 'smoke.sweep.json'), '--format', 'svg', '--out', dir);
    expect(r.code, r.err).toBe(0);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(readFileSync(join(dir, f), 'utf8')).toMatch(/^<svg/);
    expect(existsSync(join(dir, files[0]!))).toBe(true);
  });

  it('refuses an unknown format with exit 2', () => {
    const r = run('report', join(out, 'smoke.sweep.json'), '--format', 'pdf');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--format must be one of html, csv, md, json, svg/);
  });
});
