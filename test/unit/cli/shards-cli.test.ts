import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseResults } from '../../../engine/files/read.js';
import { expandProfile, readProfileFile } from '../../../engine/node.js';
import { summaryRows } from '../../../engine/report/summary.js';

// Sweeps cut into shards, run as separate processes (as array tasks would be), then merged
// (issue #21; docs/scale-out.md).
const ROOT = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'fb-shards-'));
const PROFILE = join(dir, 'tiny.profile.json');
const tiny = {
  schemaVersion: 2,
  name: 'tiny',
  families: ['replicate', 'gmp'],
  backends: ['wasm'],
  axes: { groups: [1, 2, 4] },
  fixed: { channels: 8, height: 4, width: 4, batch: 1 },
  measure: { warmupMs: 5, minSamples: 3, maxSamples: 6, maxMsPerPoint: 150, seed: 1 },
};
writeFileSync(PROFILE, JSON.stringify(tiny));
const planKeys = expandProfile(readProfileFile(PROFILE))
  .flatMap((g) => g.keys)
  .sort();

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/fusebench.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function script(path: string, args: string[], env: Record<string, string>) {
  const r = spawnSync('bash', [path, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, FUSEBENCH: `${process.execPath} ${join(ROOT, 'bin/fusebench.mjs')}`, FUSEBENCH_DEVICE: 'cpu', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const results = (folder: string) => {
  const name = readdirSync(folder).find((f) => f.endsWith('.sweep.json'))!;
  return parseResults(name, readFileSync(join(folder, name), 'utf8'));
};

describe('fusebench sweep --shard and fusebench merge', () => {
  it('3 shards as separate processes, merged, hold exactly the plan’s points once, with a single run’s summary fields', () => {
    for (const i of [1, 2, 3]) {
      const r = run(['sweep', PROFILE, '--shard', `${i}/3`, '--out', join(dir, `s${i}`)]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(new RegExp(`^tiny \\(shard ${i}/3\\): \\d+ points`));
      expect(results(join(dir, `s${i}`)).shard).toMatchObject({ index: i, count: 3 });
    }
    const m = run(['merge', join(dir, 's1'), join(dir, 's2'), join(dir, 's3'), '--out', join(dir, 'merged'), '--json']);
    expect(m.code, m.err).toBe(0);
    const merged = results(join(dir, 'merged'));
    expect(merged.complete).toBe(true);
    expect(merged.points.map((p) => p.key).sort()).toEqual(planKeys);
    expect(merged.shards?.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(JSON.parse(m.out)).toMatchObject({ complete: true, points: planKeys.length, shards: 3, of: 3, missing: [] });
    expect(existsSync(join(dir, 'merged', 'report.html'))).toBe(true);
    expect(
      readFileSync(join(dir, 'merged', 'tiny.sweep.ndjson'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(planKeys.length + 1);
    // The same answer a single run gives, field for field (the figures are measured again, so not equal).
    const single = run(['sweep', PROFILE, '--out', join(dir, 'single')]);
    expect(single.code, single.err).toBe(0);
    const shape = (r: ReturnType<typeof results>) =>
      summaryRows(r).map((row) => [row.family, row.mode, row.backend, Object.keys(row).sort()]);
    expect(shape(merged)).toEqual(shape(results(join(dir, 'single'))));
  });

  it('refuses shards of different profiles (exit 2), a missing shard unless --allow-partial, and a resume on another shard', () => {
    const other = join(dir, 'other.profile.json');
    writeFileSync(other, JSON.stringify({ ...tiny, fixed: { ...tiny.fixed, channels: 16 } }));
    expect(run(['sweep', other, '--shard', '2/3', '--out', join(dir, 'o2')]).code).toBe(0);
    const mixed = run(['merge', join(dir, 's1'), join(dir, 'o2'), join(dir, 's3'), '--out', join(dir, 'mixed')]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/is from another sweep/);
    const gap = run(['merge', join(dir, 's1'), join(dir, 's3'), '--out', join(dir, 'gap')]);
    expect(gap.code).toBe(2);
    expect(gap.err).toMatch(/shard 2\/3 missing/);
    const partial = run(['merge', join(dir, 's1'), join(dir, 's3'), '--out', join(dir, 'gap'), '--allow-partial']);
    expect(partial.code, partial.err).toBe(0);
    expect(partial.err).toMatch(/incomplete: shard\(s\) 2\/3 missing/);
    expect(results(join(dir, 'gap')).complete).toBe(false);
    const wrong = run(['sweep', PROFILE, '--shard', '1/3', '--out', join(dir, 's2'), '--resume']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/holds shard 2\/3 of its sweep: resume it with --resume --shard 2\/3/);
  });

  it('a killed shard is resumed with --resume --shard i/N and then merges', async () => {
    const out = join(dir, 'k2');
    const child = spawn(process.execPath, ['bin/fusebench.mjs', 'sweep', PROFILE, '--shard', '2/3', '--out', out], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const journal = join(out, 'tiny.sweep.ndjson');
    // Killed once its first points are in the journal, as a preempted task would be.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !(existsSync(journal) && readFileSync(journal, 'utf8').trim().split('\n').length >= 2)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const early = run(['merge', join(dir, 's1'), out, join(dir, 's3'), '--out', join(dir, 'early')]);
    expect(early.code).toBe(2);
    expect(early.err).toMatch(/holds no results .* --resume --shard 2\/3/);
    const resumed = run(['sweep', PROFILE, '--shard', '2/3', '--out', out, '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    const merged = run(['merge', join(dir, 's1'), out, join(dir, 's3'), '--out', join(dir, 'after-kill')]);
    expect(merged.code, merged.err).toBe(0);
    expect(
      results(join(dir, 'after-kill'))
        .points.map((p) => p.key)
        .sort(),
    ).toEqual(planKeys);
  });

  it('the Slurm array script and the Kubernetes Indexed Job run their shards with the scheduler’s variables, and merge', () => {
    // Slurm: 1-based SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT; the script runs from the submit directory.
    const slurm = join(dir, 'slurm');
    for (const id of ['1', '2', '3']) {
      const r = script('scripts/scale-out/slurm-array.sh', [PROFILE, slurm], {
        SLURM_ARRAY_TASK_ID: id,
        SLURM_ARRAY_TASK_COUNT: '3',
        SLURM_SUBMIT_DIR: ROOT,
      });
      expect(r.code, r.err).toBe(0);
    }
    expect(run(['merge', ...['1', '2', '3'].map((i) => join(slurm, `shard-${i}`)), '--out', join(slurm, 'merged')]).code).toBe(0);
    expect(
      results(join(slurm, 'merged'))
        .points.map((p) => p.key)
        .sort(),
    ).toEqual(planKeys);

    // Kubernetes: the manifest's command and args, with its $(VAR) references expanded as the kubelet does,
    // once per 0-based JOB_COMPLETION_INDEX.
    const manifest = readFileSync('scripts/scale-out/k8s-indexed-job.yaml', 'utf8');
    expect(manifest).toMatch(/completionMode: Indexed/);
    const list = (key: string) =>
      JSON.parse(manifest.match(new RegExp(`^\\s+${key}: (\\[.*\\])$`, 'm'))![1]!.replace(/'/g, '"')) as string[];
    const [shell, path] = list('command');
    expect(shell).toBe('bash');
    const k8s = join(dir, 'k8s');
    for (const index of ['0', '1', '2']) {
      const env = { PROFILE, SHARDS: '3', JOB_COMPLETION_INDEX: index };
      const args = list('args').map((a) =>
        a.replace(/\$\((\w+)\)/g, (_, v: string) => env[v as keyof typeof env] ?? '').replace('/results', k8s),
      );
      const r = script(path!, args, env);
      expect(r.code, r.err).toBe(0);
    }
    expect(run(['merge', ...['1', '2', '3'].map((i) => join(k8s, `shard-${i}`)), '--out', join(k8s, 'merged')]).code).toBe(0);
    expect(
      results(join(k8s, 'merged'))
        .points.map((p) => p.key)
        .sort(),
    ).toEqual(planKeys);
  });

  it('--device with several devices runs one shard per device side by side and merges them', () => {
    const out = join(dir, 'devices');
    const r = run(['sweep', PROFILE, '--device', 'cpu,cpu', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^2 shards, one per device \(cpu, cpu\)/);
    expect(r.err).toMatch(/\[cpu\] tiny \(shard 1\/2\): \d+ points/);
    expect(r.err).toMatch(/\[cpu\] tiny \(shard 2\/2\): \d+ points/);
    expect(r.out).toMatch(/merged 2 of 2 shards/);
    const merged = results(out);
    expect(merged.points.map((p) => p.key).sort()).toEqual(planKeys);
    expect(merged.shards?.map((s) => s.index)).toEqual([1, 2]);
    expect(run(['sweep', PROFILE, '--device', 'cpu,cuda:x', '--out', join(dir, 'bad')]).code).toBe(2);
  });
});
