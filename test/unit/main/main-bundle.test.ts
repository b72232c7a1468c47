// Loads the built main process (dist/electron/main.cjs) in Node with 'electron' replaced by a recorder
// (electron-stub.ts) and drives it as the renderer would: the bundle's start-up, protocol, hardening,
// IPC checks, backend probe and a sweep in an engine process. Electron itself is covered by
// test/e2e/electron.spec.ts where its binary exists.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, SWEEP_EVENT_CHANNEL, type ApiReply, type SweepEvent } from '../../../main/api.js';
import { CONTENT_SECURITY_POLICY } from '../../../main/electron/policy.js';
import { createElectronStub } from './electron-stub.js';

const require = createRequire(import.meta.url);
const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };

const root = mkdtempSync(join(tmpdir(), 'fusebench-main-'));
const userData = join(root, 'user');
const stub = createElectronStub({ appData: join(root, 'appData'), documents: join(root, 'docs') });
const { recorded } = stub;
const originalLoad = Module._load;
const originalUserData = process.env.FUSEBENCH_USER_DATA;

/** Lays out dist/ as the bundle expects it: main and preload copied (their folder is how they find the rest), engine bundles linked. */
function layOut(): void {
  const dist = join(root, 'dist');
  for (const dir of ['electron', 'node']) mkdirSync(join(dist, dir), { recursive: true });
  for (const f of ['main.cjs', 'preload.cjs']) copyFileSync(join('dist/electron', f), join(dist, 'electron', f));
  for (const f of ['engine-worker.mjs', 'environment-probe.mjs']) symlinkSync(resolve('dist/node', f), join(dist, 'node', f));
  // The real renderer build where there is one (it must live with the CSP), else a minimal page.
  if (existsSync('dist/renderer/index.html')) {
    symlinkSync(resolve('dist/renderer'), join(dist, 'renderer'));
  } else {
    mkdirSync(join(dist, 'renderer/assets'), { recursive: true });
    writeFileSync(
      join(dist, 'renderer/index.html'),
      '<!doctype html><title>Fusebench</title><script type="module" src="./assets/app.js"></script>',
    );
    writeFileSync(join(dist, 'renderer/assets/app.js'), 'export {};');
  }
  writeFileSync(join(root, 'secret.txt'), 'not for the page');
}

/** An IPC event from our window's main frame, or from wherever `url` says. */
const from = (url?: string) => {
  const frame = recorded.windows[0]!.contents.mainFrame;
  return { sender: { id: 1 }, senderFrame: { ...frame, url: url ?? frame.url } };
};
const call = (channel: string, ...args: unknown[]) => recorded.ipc.get(channel)!(from(), ...args) as Promise<ApiReply<unknown>>;
const fetchApp = (url: string) => recorded.protocolHandler!(new Request(url));

beforeAll(async () => {
  if (!existsSync('dist/node/engine-worker.mjs')) execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-electron.mjs'], { stdio: 'inherit' });
  layOut();
  process.env.FUSEBENCH_USER_DATA = userData;
  Module._load = function (request: string, ...rest: unknown[]) {
    return request === 'electron' ? stub.electron : originalLoad.call(this, request, ...rest);
  };
  require(join(root, 'dist/electron/main.cjs'));
  await stub.windowLoaded;
}, 120_000);

afterAll(() => {
  Module._load = originalLoad;
  if (originalUserData === undefined) delete process.env.FUSEBENCH_USER_DATA;
  else process.env.FUSEBENCH_USER_DATA = originalUserData;
  rmSync(root, { recursive: true, force: true });
});

describe('the bundled main process (Electron stubbed)', () => {
  it('starts without error: app:// scheme privileged, window sandboxed, page loaded from app://', () => {
    expect(recorded.errors).toEqual([]);
    // Every renderer sandboxed app-wide (app.enableSandbox), beside the window's own option (#17).
    expect(recorded.sandboxEnabled).toBe(true);
    expect(recorded.privileged).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    const prefs = recorded.windows[0]!.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: true });
    expect(prefs.preload).toBe(join(root, 'dist/electron/preload.cjs'));
    expect(recorded.windows[0]!.contents.getURL()).toBe('app://fusebench/index.html');
    expect(Object.keys(recorded.menu as object)).not.toHaveLength(0);
  });

  it('serves the renderer with the CSP, and nothing outside it', async () => {
    const page = await fetchApp('app://fusebench/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const html = await page.text();
    expect(html).toContain('<title>Fusebench</title>');
    // The CSP allows no inline script: every script must be a file, and every file must be served.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const r = await fetchApp(`app://fusebench/${asset}`);
      expect(r.status, asset).toBe(200);
      if (asset.endsWith('.js')) expect(r.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
    for (const url of [
      'app://fusebench/..%2f..%2fsecret.txt',
      'app://fusebench/..%2f..%2f..%2fdist/electron/main.cjs',
      'app://fusebench/missing.js',
    ]) {
      const r = await fetchApp(url);
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('blocks navigation away, new windows and permissions', () => {
    const contents = recorded.windows[0]!.contents;
    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    expect(navigate('https://github.com/fusebench')).toBe(true);
    expect(navigate('https://example.com/docs')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('app://fusebench/index.html')).toBe(false);
    expect(contents.windowOpenHandler!({ url: 'https://pytorch.org/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'file:///bin/sh' })).toEqual({ action: 'deny' });
    // Only allow-listed sites reach the OS browser (policy.ts EXTERNAL_LINK_HOSTS).
    expect(recorded.externals).toEqual(['https://github.com/fusebench', 'https://pytorch.org/']);
    let granted: boolean | undefined;
    recorded.permissionRequest!(contents, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('answers every contract method over IPC, and refuses a foreign frame', async () => {
    expect([...recorded.ipc.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
    const families = (await call(CHANNELS.families)) as ApiReply<{ name: string }[]>;
    expect(families.ok && families.value.map((f) => f.name)).toContain('bottleneck');
    const foreign = await recorded.ipc.get(CHANNELS.families)!(from('https://evil.example/'));
    expect(foreign).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
  });

  it('probes the backends in a separate process', async () => {
    const env = (await call(CHANNELS.environment)) as ApiReply<{ backends: { name: string; available: boolean }[] }>;
    expect(env.ok, JSON.stringify(env)).toBe(true);
    if (!env.ok) return;
    expect(env.value.backends.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(recorded.forks.at(-1)).toBe(join(root, 'dist/node/environment-probe.mjs'));
  });

  it('runs a sweep in an engine process and pushes its events to the window', async () => {
    const profile = {
      schemaVersion: 1,
      name: 'desktop-tiny',
      families: ['replicate'],
      backends: ['cpu'],
      modes: ['inference'],
      axes: { groups: [2] },
      fixed: { batch: 1, channels: 4, height: 2, width: 2 },
      measure: { warmupMs: 0, minSamples: 3, maxSamples: 3, targetRelIqr: 1, maxMsPerPoint: 100, seed: 1, memory: false },
    };
    const started = (await call(CHANNELS.startSweep, { profile })) as ApiReply<{ runId: string }>;
    expect(started.ok, JSON.stringify(started)).toBe(true);
    expect(recorded.forks.at(-1)).toBe(join(root, 'dist/node/engine-worker.mjs'));
    const sent = recorded.windows[0]!.contents.sent;
    const last = () =>
      sent
        .filter(([c]) => c === SWEEP_EVENT_CHANNEL)
        .map(([, e]) => e as SweepEvent)
        .find((e) => e.type === 'finished' || e.type === 'failed');
    await expect.poll(last, { timeout: 60_000, interval: 100 }).toBeDefined();
    const final = last()!;
    expect(final.type, final.type === 'failed' ? final.message : '').toBe('finished');
    if (final.type === 'finished') expect(final.resultsPath.startsWith(join(userData, 'workspace'))).toBe(true);
  }, 90_000);
});
