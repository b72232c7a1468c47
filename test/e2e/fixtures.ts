import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base, expect, type Page } from '@playwright/test';
import { buildHeldCli } from '../hold/build-held';

export interface WebHost {
  /** The URL the host printed, with its token. */
  url: string;
  origin: string;
  token: string;
  /** The host's workspace: saved files land in `<workspace>/runs/`. */
  workspace: string;
}

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Starts `fusebench serve --port 0` with a fresh workspace and waits for the line that names its URL.
 * `cli` is the built CLI, or a test build whose engine holds sweeps (test/hold/).
 */
async function startHost(cli: string, env: Record<string, string>): Promise<{ host: WebHost; child: ChildProcess }> {
  const workspace = mkdtempSync(join(tmpdir(), 'fusebench-e2e-'));
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--workspace', workspace], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`fusebench serve printed no URL within 30 s; stderr: ${stderr}`)), 30_000);
    child.once('exit', (code) => fail(new Error(`fusebench serve exited (${code}) before serving; stderr: ${stderr}`)));
    lines.on('line', (line) => {
      const match = /Fusebench is serving (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        ok(match[1] as string);
      }
    });
  });
  const parsed = new URL(url);
  return { host: { url, origin: parsed.origin, token: parsed.searchParams.get('token') ?? '', workspace }, child };
}

/** Console errors a test expects (e.g. the HTTP status of a refused file); anything else fails the test. */
export interface ConsoleGuard {
  allow(pattern: RegExp): void;
}

export const test = base.extend<
  { consoleGuard: ConsoleGuard; app: Page },
  { host: WebHost; hostEnv: Record<string, string>; heldHost: boolean }
>({
  /** Extra environment for the web host; a spec that sets it (test.use) gets a host of its own. */
  hostEnv: [{}, { scope: 'worker', option: true }],
  /**
   * A host whose engine holds each sweep after its first group until it is cancelled or the file named
   * by FUSEBENCH_TEST_HOLD_RELEASE_FILE (in hostEnv) exists: test/hold/held-engine.ts.
   */
  heldHost: [false, { scope: 'worker', option: true }],
  host: [
    async ({ hostEnv, heldHost }, use) => {
      const held = heldHost ? buildHeldCli() : undefined;
      const { host, child } = await startHost(held?.cli ?? join(ROOT, 'bin/fusebench.mjs'), hostEnv);
      await use(host);
      child.kill('SIGTERM');
      await new Promise((done) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          done(undefined);
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done(undefined);
        });
      });
      rmSync(host.workspace, { recursive: true, force: true });
      held?.remove();
    },
    { scope: 'worker' },
  ],
  consoleGuard: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      // Chromium logs a failed request without its URL; name it, so a failure says which one.
      page.on('response', (response) => {
        if (response.status() >= 400) errors.push(`(HTTP ${response.status()} ${new URL(response.url()).pathname})`);
      });
      await use({ allow: (pattern) => allowed.push(pattern) });
      const unexpected = errors.filter((e) => !allowed.some((a) => a.test(e)));
      // The HTTP notes explain a "Failed to load resource" line; alone they are not errors.
      if (unexpected.every((e) => e.startsWith('(HTTP '))) unexpected.length = 0;
      expect(unexpected, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
  /** The workbench page, loaded and ready (families and environment arrived). */
  app: async ({ page, host }, use) => {
    await page.goto(host.url);
    await expect(page.locator('[data-family]').first()).toBeVisible();
    await use(page);
  },
});

export { expect };
