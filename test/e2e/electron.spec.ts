// The desktop app itself: Electron main, sandboxed preload, IPC and the utility-process engine. Most UI
// specs run against the web host in plain browsers; this one needs the Electron binary, and skips,
// saying so, where it is not installed (it is downloaded on first use, impossible offline).
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiReply, SweepEvent, WorkbenchBridge } from '../../main/api.js';
import type { MenuCommand, MenuCommandApi } from '../../main/electron/menu-commands.js';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/policy.js';
import { electronBinary } from '../../scripts/electron-binary.mjs';

type Bridge = WorkbenchBridge & MenuCommandApi;
type TestWindow = { fusebench: Bridge; __sweep?: Promise<SweepEvent>; __commands?: MenuCommand[] };

const binary = electronBinary();
const skipReason = binary.path === null ? `electron: ${binary.reason}` : undefined;
if (skipReason) console.log(`[skip] ${skipReason}`);
test.skip(skipReason !== undefined, skipReason);

const BUILT = [
  'dist/electron/main.cjs',
  'dist/electron/preload.cjs',
  'dist/node/engine-worker.mjs',
  'dist/node/environment-probe.mjs',
  'dist/renderer/index.html',
];
const smokeText = readFileSync('profiles/smoke.profile.json', 'utf8');

test.describe.configure({ mode: 'serial' });

let app: ElectronApplication;
let page: Page;
let userData: string;

test.beforeAll(async () => {
  for (const file of BUILT) expect(existsSync(file), `${file} is missing: run npm run build:all`).toBe(true);
  userData = mkdtempSync(join(tmpdir(), 'fusebench-e2e-'));
  app = await electron.launch({
    executablePath: binary.path!, // else Playwright requires 'electron', whose index.js would try to download it
    // Chromium refuses to run as root with its OS sandbox (CI containers); our own sandbox: true still applies.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), 'dist/electron/main.cjs'],
    env: { ...process.env, FUSEBENCH_USER_DATA: userData },
  });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
});

test('starts: titled window on app://, strict CSP, nothing but the bridge exposed', async () => {
  await expect(page).toHaveTitle(/Fusebench/);
  expect(page.url()).toMatch(/^app:\/\/fusebench\//);
  const seen = await page.evaluate(async () => {
    const w = window as unknown as TestWindow & Record<string, unknown>;
    return {
      csp: (await fetch('./index.html')).headers.get('content-security-policy'),
      node: [typeof w.require, typeof w.process, typeof w.module, typeof w.Buffer],
      bridge: Object.keys(w.fusebench).sort(),
      ipc: 'ipcRenderer' in w || 'ipcRenderer' in w.fusebench,
    };
  });
  expect(seen.csp).toBe(CONTENT_SECURITY_POLICY);
  expect(seen.node).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
  expect(seen.ipc).toBe(false);
  expect(seen.bridge).toEqual(
    [
      'families',
      'environment',
      'validateProfile',
      'startSweep',
      'cancelSweep',
      'onSweepEvent',
      'parseFile',
      'pickFile',
      'saveFile',
      'recentFiles',
      'openRecent',
      'exportReport',
      'onMenuCommand',
    ].sort(),
  );
  if (process.platform !== 'linux') {
    const tabs = await app.evaluate(({ app: a }) => a.getAppMetrics().filter((m) => m.type === 'Tab'));
    expect(tabs.every((m) => m.sandboxed)).toBe(true);
  }
});

test('refuses navigation and new windows', async () => {
  const opened = await page.evaluate(() => window.open('http://example.com/') === null);
  expect(opened).toBe(true);
  await page.evaluate(() => {
    window.location.href = 'http://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toMatch(/^app:\/\/fusebench\//);
  expect(app.windows()).toHaveLength(1);
});

test('runs the smoke profile in a utility process', async () => {
  test.setTimeout(180_000);
  await page.evaluate(async (text) => {
    const w = window as unknown as TestWindow;
    const opened = await w.fusebench.parseFile({ kind: 'profile', name: 'smoke.profile.json', text });
    if (!opened.ok) throw new Error(opened.error.message);
    w.__sweep = new Promise<SweepEvent>((resolve) => {
      const off = w.fusebench.onSweepEvent((e) => {
        if (e.type === 'finished' || e.type === 'failed') {
          off();
          resolve(e);
        }
      });
    });
    await w.fusebench.startSweep({ profile: opened.value.profile! });
  }, smokeText);
  await expect
    .poll(() => app.evaluate(({ app: a }) => a.getAppMetrics().some((m) => m.type === 'Utility' && m.name === 'Fusebench engine')))
    .toBe(true);
  const last = await page.evaluate(() => (window as unknown as TestWindow).__sweep!);
  expect(last.type, last.type === 'failed' ? last.message : '').toBe('finished');
  if (last.type !== 'finished') return;
  expect(last.complete).toBe(true);
  expect(last.results.points.length).toBeGreaterThan(0);
  expect(last.resultsPath.startsWith(userData)).toBe(true);
  // The window stayed responsive and the engine process is gone.
  expect(await page.evaluate(() => 1 + 1)).toBe(2);
});

test('saves and opens a profile through the (stubbed) native dialogs, and File ▸ Recent follows', async () => {
  const target = join(userData, 'saved.profile.json');
  await app.evaluate(({ dialog }, file) => {
    dialog.showSaveDialog = (async () => ({ canceled: false, filePath: file })) as unknown as typeof dialog.showSaveDialog;
    dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [file] })) as unknown as typeof dialog.showOpenDialog;
  }, target);
  const r = await page.evaluate(async (text) => {
    const api = (window as unknown as TestWindow).fusebench;
    // The bridge hands back replies (kind and field survive contextBridge that way).
    const value = <T>(r: ApiReply<T>): T => {
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const saved = value(await api.saveFile({ kind: 'profile', name: 'saved.profile.json', content: text }));
    const opened = value(await api.pickFile('profile'));
    const refusal = await api.saveFile({ kind: 'profile', name: '../escape.json', content: text });
    const refused = refusal.ok ? '' : `${refusal.error.kind} ${refusal.error.field} ${refusal.error.message}`;
    return { saved, name: opened?.profile?.name, recent: value(await api.recentFiles()).map((f) => f.path), refused };
  }, smokeText);
  expect(r.saved).toEqual({ name: 'saved.profile.json', path: target });
  expect(readFileSync(target, 'utf8')).toBe(smokeText);
  expect(r.name).toBe('smoke');
  expect(r.recent[0]).toBe(target);
  expect(r.refused).toMatch(/^input args\[0\]\.name saveFile: argument 0\.name/);
  await expect
    .poll(() => app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('recent-0')?.label))
    .toBe('saved.profile.json (profile)');
});

test('menu actions reach the renderer as commands', async () => {
  await page.evaluate(() => {
    const w = window as unknown as TestWindow;
    w.__commands = [];
    w.fusebench.onMenuCommand((c) => w.__commands!.push(c));
  });
  await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('new-profile')?.click());
  await expect.poll(() => page.evaluate(() => (window as unknown as TestWindow).__commands)).toEqual([{ command: 'new-profile' }]);
});
