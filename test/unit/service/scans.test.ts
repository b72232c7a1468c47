import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScanJobs, listModelFiles, moduleClasses } from '../../../main/service/scans.js';
import { Confinement } from '../../../main/service/confinement.js';
import { SCAN_REPORT } from '../renderer/fake-api.js';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-scans-'));
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'runs'));
  mkdirSync(join(dir, '.venv'));
  writeFileSync(
    join(dir, 'models', 'net.py'),
    'import torch\nclass Block(nn.Module):\n    pass\nclass Net(torch.nn.Module):\n    pass\nclass Helper:\n    pass\n',
  );
  writeFileSync(join(dir, 'models', 'util.py'), 'def f():\n    return 1\n');
  writeFileSync(join(dir, 'runs', 'fused_model.py'), 'class FusedNet(nn.Module):\n    pass\n');
  writeFileSync(join(dir, '.venv', 'lib.py'), 'class Hidden(nn.Module):\n    pass\n');
  return dir;
}

describe('scans on a host', () => {
  it('lists model files by reading them as text: nn.Module classes only; runs/, hidden folders and files without a model left out', async () => {
    expect(moduleClasses('class A(nn.Module):\nclass B(object):\nclass C(Base, torch.nn.Module):\n')).toEqual(['A', 'C']);
    const dir = workspace();
    expect(listModelFiles(dir)).toEqual([{ path: 'models/net.py', classes: ['Block', 'Net'] }]);
  });

  it('refuses a model file or weights outside the workspace (a link out included), naming the field', async () => {
    const dir = workspace();
    const outside = mkdtempSync(join(tmpdir(), 'fb-outside-'));
    writeFileSync(join(outside, 'evil.py'), 'class Net(nn.Module): pass\n');
    symlinkSync(join(outside, 'evil.py'), join(dir, 'models', 'link.py'));
    const jobs = createScanJobs({ workspaceDir: dir, confinement: new Confinement([dir]), run: async () => SCAN_REPORT });
    const start = { className: 'Net', inputShape: [1, 3], mode: 'inference' as const, measure: false };
    await expect(jobs.startScan({ ...start, file: 'models/link.py' })).rejects.toMatchObject({ kind: 'file', field: 'file' });
    await expect(jobs.startScan({ ...start, file: 'models/missing.py' })).rejects.toMatchObject({ field: 'file' });
    await expect(jobs.startScan({ ...start, file: 'models/net.py', weights: '../w.pt' })).rejects.toMatchObject({ field: 'weights' });
  });

  it('runs one scan at a time, reports its steps, writes its files into runs/, and can be cancelled', async () => {
    const dir = workspace();
    let release: () => void = () => undefined;
    const jobs = createScanJobs({
      workspaceDir: dir,
      confinement: new Confinement([dir]),
      run: (options, run, onProgress) =>
        new Promise((resolve, reject) => {
          onProgress?.({ step: 'pass 1/3' });
          release = () => resolve(SCAN_REPORT);
          run?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const start = { file: 'models/net.py', className: 'Net', inputShape: [1, 3], mode: 'both' as const, measure: true };
    const { scanId } = await jobs.startScan(start);
    expect(await jobs.scanStatus(scanId)).toMatchObject({ state: 'running', step: 'pass 1/3' });
    await expect(jobs.startScan(start)).rejects.toThrow(/a scan is running/);
    release();
    await new Promise((r) => setTimeout(r, 10));
    const done = await jobs.scanStatus(scanId);
    expect(done).toMatchObject({ state: 'done', report: SCAN_REPORT });
    const folder = (done as { folder: string }).folder;
    expect(existsSync(join(dir, folder, 'report.html'))).toBe(true);
    expect(existsSync(join(dir, folder, 'scan.json'))).toBe(true);

    const second = await jobs.startScan(start);
    await jobs.cancelScan(second.scanId);
    await new Promise((r) => setTimeout(r, 10));
    expect(await jobs.scanStatus(second.scanId)).toMatchObject({ state: 'cancelled' });
    await expect(jobs.scanStatus('nope')).rejects.toThrow(/no scan nope/);
  });
});
