import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkbenchService } from '../../../main/service/workbench-service.js';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { checkArguments } from '../../../main/api.js';
import type { Environment } from '../../../engine/common.js';
import { parseJournal } from '../../../engine/files/read.js';
import { fixture } from '../report/fixture.js';

/** Issue #17: what an attack on the host layer still found, each refused now. */
function service() {
  const dir = mkdtempSync(join(tmpdir(), 'fb-hard-service-'));
  const s = createWorkbenchService({
    workspaceDir: dir,
    recentPath: join(dir, '.fusebench', 'recent.json'),
    environment: async () => ({ backends: [{ name: 'cpu', available: true, kernelTiming: 'host' }] }) as unknown as Environment,
    launch: () => ({ cancel: () => undefined, finished: new Promise(() => undefined) }),
    files: { dialogs: false, pick: async () => null, saveTarget: async (_k, name) => join(dir, 'runs', name) },
  });
  return { s, dir };
}

const journalLine = (v: unknown) => `${JSON.stringify(v)}\n`;
const header = {
  kind: 'header',
  schemaVersion: fixture.schemaVersion,
  tool: fixture.tool,
  createdAt: fixture.createdAt,
  profile: fixture.profile,
  environment: fixture.environment,
};

describe('files in the workspace', () => {
  it('a symbolic link inside a run folder is never read or appended to (it could point out of the workspace)', async () => {
    const { s, dir } = service();
    const outside = mkdtempSync(join(tmpdir(), 'fb-outside-'));
    writeFileSync(join(outside, 'secret.sweep.json'), JSON.stringify(fixture));
    writeFileSync(join(outside, 'secret.sweep.ndjson'), journalLine(header));
    const run = join(dir, 'runs', 'linked');
    mkdirSync(run, { recursive: true });
    symlinkSync(join(outside, 'secret.sweep.json'), join(run, 'linked.sweep.json'));
    symlinkSync(join(outside, 'secret.sweep.ndjson'), join(run, 'linked.sweep.ndjson'));
    await expect(s.openRun('linked')).rejects.toThrow(/holds no journal or results: not a sweep folder/);
    await expect(s.resumeRun('linked')).rejects.toThrow(/holds no journal or results/);
    expect((await s.listRuns()).map((r) => r.id)).not.toContain('linked');
    expect(readFileSync(join(outside, 'secret.sweep.ndjson'), 'utf8')).toBe(journalLine(header));
  });

  it('saveFile refuses misleading names, never overwrites unasked, and refuses content that is not base64', async () => {
    for (const name of ['line\nbreak.json', 'cod\u202Eexe.json', ' ', ' lead.json', 'trail.json ', 'dot.']) {
      expect(() => checkArguments('saveFile', [{ kind: 'image', name, content: '' }]), JSON.stringify(name)).toThrow(
        /saveFile: argument 0\.name: /,
      );
    }
    const { s, dir } = service();
    await s.saveFile({ kind: 'image', name: 'chart.png', content: Buffer.from('first').toString('base64'), encoding: 'base64' });
    await expect(s.saveFile({ kind: 'image', name: 'chart.png', content: 'c2Vjb25k', encoding: 'base64' })).rejects.toMatchObject({
      kind: 'file',
      field: 'overwrite',
      message: expect.stringMatching(/chart\.png already exists in the workspace/),
    });
    expect(readFileSync(join(dir, 'runs', 'chart.png'), 'utf8')).toBe('first');
    await s.saveFile({ kind: 'image', name: 'chart.png', content: 'c2Vjb25k', encoding: 'base64', overwrite: true });
    expect(readFileSync(join(dir, 'runs', 'chart.png'), 'utf8')).toBe('second');
    await expect(s.saveFile({ kind: 'image', name: 'bad.png', content: 'hello!!', encoding: 'base64' })).rejects.toThrow(
      /not valid base64; nothing was saved/,
    );
    expect(existsSync(join(dir, 'runs', 'bad.png'))).toBe(false);
  });

  it('a journal line whose key is not its point’s is a damaged journal, not an extra point', () => {
    const p = fixture.points[0]!;
    const ok = journalLine(header) + journalLine(p);
    expect(parseJournal('j', ok).points).toHaveLength(1);
    expect(() => parseJournal('j', ok + journalLine({ ...p, key: `${p.key}x` }))).toThrow(/line 3: its key does not match/);
  });
});

describe('the web host against heavy bodies', () => {
  let host: WebHost;
  beforeAll(async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'fb-hard-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
    host = await startWebHost({ service: service().s, staticDir, port: 0 });
  });
  afterAll(() => host.close());

  const post = (method: string, body: string) =>
    new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port: host.port,
          path: `/api/${method}`,
          method: 'POST',
          headers: { 'x-fusebench-token': host.token, origin: `http://127.0.0.1:${host.port}` },
        },
        (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: data, ms: performance.now() - t0 }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('a body nested a million deep is refused from its text, without holding other requests', async () => {
    const deep = `{"args":[${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}]}`;
    const [refused, other] = await Promise.all([post('exportReport', deep), post('families', '{"args":[]}')]);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error.message).toMatch(/nests deeper than 64 levels/);
    expect(other.status).toBe(200);
    expect(refused.ms).toBeLessThan(2_000);
  });

  it('a big body to a method that takes no file is refused by its size', async () => {
    const r = await post('validateProfile', `{"args":[{"name":"${'a'.repeat(3 * 1024 * 1024)}"}]}`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/request body over 2097152 bytes/);
  });
});
