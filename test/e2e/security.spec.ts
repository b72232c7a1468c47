// The web host as a browser meets it: the token leaves the address bar, and a page on another local
// port (same site, other origin) can neither use the cookie to act nor knock the host over.
import { createServer, request, type Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { openWithInput, SMOKE_PROFILE } from './helpers';

/** GET with the token from outside the browser: is the host still serving? */
function hostAnswers(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

test('drops the token from the address bar after load, and a reload still reaches the API', async ({ app }) => {
  expect(new URL(app.url()).searchParams.has('token')).toBe(false);
  await app.reload();
  await expect(app.locator('[data-family]').first()).toBeVisible();
  await expect(app.locator('[data-backend="wasm"]')).toBeVisible();
});

test('a page on another local port cannot use the cookie to write, and cannot crash the host', async ({ app, host }) => {
  const before = readdirSync(join(host.workspace, 'runs'));
  const body = JSON.stringify({ args: [{ kind: 'report', name: 'pwned.html', content: 'x' }] });
  let evilServer: Server | undefined;
  const evilOrigin = await new Promise<string>((resolve) => {
    evilServer = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>elsewhere</title><img src="${host.origin}//[">
<script>fetch(${JSON.stringify(`${host.origin}/api/saveFile`)}, { method: 'POST', credentials: 'include', mode: 'no-cors',
  headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} });</script>`);
    }).listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(evilServer!.address() as { port: number }).port}`));
  });
  try {
    // The app page loaded first, so the browser holds the host's cookie; cookies ignore ports.
    expect((await app.context().cookies(host.origin)).length).toBe(1);
    const evil = await app.context().newPage();
    const refused = evil.waitForResponse((r) => r.url().endsWith('/api/saveFile'));
    await evil.goto(evilOrigin);
    expect((await refused).status()).toBe(403);
    await evil.close();
  } finally {
    evilServer?.close();
  }
  expect(readdirSync(join(host.workspace, 'runs'))).toEqual(before);
  expect(await hostAnswers(host.url)).toBe(200);
  // And the page itself still works.
  await openWithInput(app, 'profile', SMOKE_PROFILE);
  await expect(app.locator('input[name="name"]')).toHaveValue('smoke');
});

test('a profile on a backend the host cannot run keeps Run disabled, with the reason shown', async ({ app }) => {
  const unavailable = app.locator('[data-backend][data-available="false"]');
  const count = await unavailable.count();
  test.skip(count === 0, 'every backend is available on this host; nothing to refuse');
  if (count === 0) console.log('[skip] run-blocked: every backend is available on this host');
  const name = (await unavailable.first().getAttribute('data-backend')) as string;
  const profile = { ...JSON.parse(readFileSync(SMOKE_PROFILE, 'utf8')), name: `on-${name}`, backends: [name] };
  await openWithInput(app, 'profile', {
    name: `on-${name}.profile.json`,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(profile)),
  });
  await expect(app.locator('input[name="name"]')).toHaveValue(`on-${name}`);
  await expect(app.locator('[data-run-blocked]')).toContainText(`Backend ${name} is unavailable here:`);
  await expect(app.locator('[data-action="run"]')).toBeDisabled();
});
