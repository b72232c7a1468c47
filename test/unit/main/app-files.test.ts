import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { resolveAppFile } from '../../../main/electron/app-files.js';
import { appResponseHeaders, CONTENT_SECURITY_POLICY, externalLinkTarget } from '../../../main/electron/policy.js';

const root = resolve('/srv/fusebench/dist/renderer');

describe('app:// file mapping', () => {
  it.each([
    ['app://fusebench/', join(root, 'index.html'), 'text/html; charset=utf-8'],
    ['app://fusebench/index.html?x=1#top', join(root, 'index.html'), 'text/html; charset=utf-8'],
    ['app://fusebench/assets/index-abc.js', join(root, 'assets', 'index-abc.js'), 'text/javascript; charset=utf-8'],
    ['app://fusebench/assets/tfjs-backend-wasm-simd.wasm', join(root, 'assets', 'tfjs-backend-wasm-simd.wasm'), 'application/wasm'],
    ['app://fusebench/assets/a%20b.css', join(root, 'assets', 'a b.css'), 'text/css; charset=utf-8'],
  ])('serves %s', (url, file, contentType) => {
    expect(resolveAppFile(url, root)).toEqual({ ok: true, file, contentType });
  });

  it.each([
    ['app://fusebench/assets/..%2f..%2f..%2fetc%2fpasswd.txt'],
    ['app://fusebench/..%5c..%5cwindows%5cwin.ini'],
    ['app://fusebench/index.html%00.png'],
    ['app://fusebench/%E0%A4%A'],
    ['app://other/index.html'],
    ['file:///etc/passwd'],
    ['app://fusebench/assets/secret'],
  ])('refuses %s', (url) => {
    const r = resolveAppFile(url, root);
    expect(r.ok).toBe(false);
  });

  it('keeps dot segments the URL parser folds inside the root', () => {
    for (const url of ['app://fusebench/../../../etc/passwd.txt', 'app://fusebench/%2e%2e/%2e%2e/etc/passwd.txt']) {
      expect(resolveAppFile(url, root)).toMatchObject({ ok: true, file: join(root, 'etc', 'passwd.txt') });
    }
  });

  it('never resolves outside the root, whatever the path', () => {
    for (const p of ['..', '../x.js', 'a/../../x.js', '%2e%2e%2fx.js', 'a%2f%2e%2e%2f%2e%2e%2fx.js', '.%2e/x.js']) {
      const r = resolveAppFile(`app://fusebench/${p}`, root);
      if (r.ok) expect(r.file.startsWith(root)).toBe(true);
    }
  });
});

describe('security policy', () => {
  it('sends the strict CSP with every response', () => {
    const headers = appResponseHeaders('text/html');
    expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "connect-src 'self'",
      "form-action 'none'",
      // No inline style sheets (#17); style attributes only (ECharts' tooltips, Vue's bound styles).
      "style-src 'self'",
      "style-src-attr 'unsafe-inline'",
    ]) {
      expect(CONTENT_SECURITY_POLICY.split('; ')).toContain(directive);
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/ 'unsafe-eval'|\*/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/style-src [^;]*'unsafe-inline'/);
  });

  it.each([
    ['https://github.com/fusebench/fusebench', 'https://github.com/fusebench/fusebench'],
    ['http://example.com/', null],
    ['file:///etc/passwd', null],
    ['javascript:alert(1)', null],
    ['smb://server/share', null],
    ['https://user:pw@example.com/', null],
    ['not a url', null],
    // Only the allow-list: any other https site, a look-alike subdomain or another port is dropped.
    ['https://example.com/', null],
    ['https://evil.github.com.example.org/', null],
    ['https://gist.github.com/x', null],
    ['https://github.com:8443/x', null],
    ['https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html', 'https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html'],
  ])('opens %s externally: %s', (url, expected) => {
    expect(externalLinkTarget(url)).toBe(expected);
  });
});
