import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { createWorkbenchService } from '../../../main/service/workbench-service.js';
import { workerThreadLauncher } from '../../../main/engine-host/worker-thread.js';
import type { Environment } from '../../../engine/common.js';

/**
 * Issue #17, finding 2: a big plan must never hold up the web host. Plans are counted without being
 * built, and built (validated, estimated, expanded) off the host's main thread, in the planner or the
 * engine; the host keeps answering other requests within 200 ms meanwhile. Needs the built engine.
 */
let host: WebHost;
beforeAll(async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'fb-big-'));
  const staticDir = mkdtempSync(join(tmpdir(), 'fb-big-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
  const service = createWorkbenchService({
    workspaceDir: workspace,
    recentPath: join(workspace, '.fusebench', 'recent.json'),
    environment: async () => ({ backends: [{ name: 'cpu', available: true, kernelTiming: 'host' }] }) as unknown as Environment,
    launch: workerThreadLauncher(resolve('dist/node/engine-worker.mjs'), { graceMs: 2_000 }),
    files: { dialogs: false, pick: async () => null, saveTarget: async (_k, name) => join(workspace, 'runs', name) },
  });
  host = await startWebHost({ service, staticDir, port: 0 });
});
afterAll(() => host.close());

function call(method: string, args: unknown[]): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        path: `/api/${method}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fusebench-token': host.token, origin: `http://127.0.0.1:${host.port}` },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: data, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ args }));
  });
}

/** A profile of about `n` points: gmp on cpu over a square of groups × channels values. */
function profileOf(n: number) {
  const side = Math.ceil(Math.sqrt(n / 4));
  const values = Array.from({ length: side }, (_, i) => i + 1);
  return {
    schemaVersion: 2,
    name: `big-${n}`,
    families: ['gmp'],
    backends: ['cpu'],
    axes: { groups: values, channels: values.map((v) => v * 4) },
    fixed: { batch: 1, height: 2, width: 2 },
  };
}

/** The slowest of the `families` calls made every 50 ms while `busy` is pending. */
async function slowestWhile(busy: Promise<unknown>, forMs: number): Promise<number> {
  let slowest = 0;
  let settled = false;
  void busy.finally(() => (settled = true));
  const until = performance.now() + forMs;
  while (!settled || performance.now() < until) {
    const r = await call('families', []);
    expect(r.status).toBe(200);
    slowest = Math.max(slowest, r.ms);
    if (performance.now() > until && settled) break;
    await new Promise((done) => setTimeout(done, 50));
    if (performance.now() > until) break;
  }
  return slowest;
}

describe('a big plan never holds up the web host', () => {
  it('checks a 10,000-point profile off the main thread: other calls answer within 200 ms', async () => {
    const check = call('validateProfile', [profileOf(10_000)]);
    const slowest = await slowestWhile(check, 1_500);
    const r = await check;
    expect(JSON.parse(r.body).value).toMatchObject({ ok: true, points: 10_000 });
    expect(slowest).toBeLessThan(200);
  }, 60_000);

  it('starts, and cancels, a 1,000,000-point sweep: other calls answer within 200 ms throughout', async () => {
    const profile = profileOf(1_000_000);
    const checked = await call('validateProfile', [profile]);
    expect(JSON.parse(checked.body).value).toMatchObject({ ok: true, points: 1_000_000, pointLimit: 10_000 });
    const started = await call('startSweep', [{ profile, maxPoints: 1_000_000 }]);
    expect(started.status, started.body).toBe(200);
    expect(started.ms).toBeLessThan(200);
    const { runId } = JSON.parse(started.body).value as { runId: string };
    // The engine builds the plan meanwhile: the host must go on answering.
    const slowest = await slowestWhile(new Promise((done) => setTimeout(done, 3_000)), 3_000);
    expect(slowest).toBeLessThan(200);
    const cancelled = await call('cancelSweep', [runId]);
    expect(cancelled.status).toBe(200);
    expect(cancelled.ms).toBeLessThan(200);
  }, 60_000);
});
