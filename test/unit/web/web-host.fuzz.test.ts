import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { createWorkbenchService } from '../../../main/service/workbench-service.js';
import { CHANNELS } from '../../../main/api.js';
import type { Environment } from '../../../engine/common.js';
import { deepJson, hostileValue, mutatedProfile, profileText } from '../fuzz-inputs.js';

/** Fuzzing time per property, bounded so `npm test` stays fast; every run counts, none may crash or hang. */
const TIME_MS = Number(process.env.FUSEBENCH_FUZZ_MS ?? 4_000);

let host: WebHost;
let launched = 0;
beforeAll(async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'fb-fuzz-'));
  const staticDir = mkdtempSync(join(tmpdir(), 'fb-fuzz-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
  // The real service (validation, plan checks, files), with no engine behind it.
  const service = createWorkbenchService({
    workspaceDir: workspace,
    recentPath: join(workspace, '.fusebench', 'recent.json'),
    environment: async () => ({ backends: [{ name: 'wasm', available: true, kernelTiming: 'host' }] }) as unknown as Environment,
    launch: () => {
      launched++;
      return { cancel: () => undefined, finished: new Promise(() => undefined) };
    },
    files: { dialogs: false, pick: async () => null, saveTarget: async (_k, name) => join(workspace, 'runs', name) },
  });
  host = await startWebHost({ service, staticDir, port: 0 });
});
afterAll(() => host.close());

function post(path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fusebench-token': host.token },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: data }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('hang: no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const methods = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(CHANNELS)) },
  { weight: 1, arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', '', 'validateProfile/x', '%E0%A4%A', '..%2f..%2fetc') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
);

const fileName = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('..', '.', '.x', 'a/b', 'recent-files.json', 'p.profile.json'));
const kind = fc.constantFrom('profile', 'results', 'report', 'image');

/** Calls shaped like the contract, so most get past the argument check and reach the service with hostile content. */
const shapedCalls: fc.Arbitrary<[string, string]> = fc.oneof(
  mutatedProfile.map((p) => ['validateProfile', JSON.stringify({ args: [p] })] as [string, string]),
  fc
    .tuple(mutatedProfile, fc.constantFrom(undefined, 'wasm', 'cpu'), fc.option(fc.integer({ min: 1, max: 2_000_000 }), { nil: undefined }))
    .map(
      ([profile, backend, maxPoints]) => ['startSweep', JSON.stringify({ args: [{ profile, backend, maxPoints }] })] as [string, string],
    ),
  fc
    .tuple(fc.constantFrom('profile', 'results'), fileName, profileText)
    .map(([k, name, text]) => ['parseFile', JSON.stringify({ args: [{ kind: k, name, text }] })] as [string, string]),
  fc
    .tuple(kind, fileName, profileText)
    .map(([k, name, content]) => ['saveFile', JSON.stringify({ args: [{ kind: k, name, content }] })] as [string, string]),
  fc
    .oneof(fc.string({ maxLength: 100 }), fc.constantFrom('/etc/hostname', '/dev/zero', '/proc/self/environ', '../../etc/passwd'))
    .map((path) => ['openRecent', JSON.stringify({ args: [path] })] as [string, string]),
  fc
    .tuple(hostileValue, fc.constantFrom('html', 'csv', 'md', 'json'))
    .map(([results, format]) => ['exportReport', JSON.stringify({ args: [{ results, format }] })] as [string, string]),
  fc.string({ maxLength: 70 }).map((id) => ['cancelSweep', JSON.stringify({ args: [id] })] as [string, string]),
);

const bodies = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(mutatedProfile, hostileValue), { maxLength: 3 }).map((args) => JSON.stringify({ args })) },
  { weight: 1, arbitrary: profileText },
  { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? '') },
  // Nesting far past any recursive walker's stack, inside an otherwise well-formed call.
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => `{"args":[{"profile":${deepJson(n)}}]}`) },
);

const calls: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 3, arbitrary: shapedCalls },
  { weight: 2, arbitrary: fc.tuple(methods, bodies) },
);

describe('web host under fuzzing (fast-check, bounded time)', () => {
  it('answers every hostile API call with a reply: 200 (ok or a user error) or 4xx, never 5xx, never a crash or hang', async () => {
    let tried = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(calls, async ([method, body]) => {
        tried++;
        const r = await post(`/api/${method}`, body);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, `${method} ${body.slice(0, 200)} → ${r.body.slice(0, 300)}`).toBeLessThan(500);
        if (r.status !== 404 || r.body.startsWith('{')) {
          const reply = JSON.parse(r.body) as { ok: boolean; error?: { message: string; kind: string } };
          if (!reply.ok) {
            expect(reply.error!.message.split('\n')).toHaveLength(1);
            expect(reply.error!.message).not.toMatch(/\n\s+at /);
          }
        }
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: TIME_MS, seed: Number(process.env.FUSEBENCH_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.log(`[fuzz] web host: ${tried} API calls, statuses ${JSON.stringify(Object.fromEntries(statuses))}, 0 crashes, 0 hangs`);
    expect(tried).toBeGreaterThan(20);
    // The host is still up and answering.
    expect((await post('/api/families', '{"args":[]}')).status).toBe(200);
    expect(launched).toBeGreaterThanOrEqual(0);
  });
});
