/**
 * The one Content-Security-Policy of the app's pages, in the desktop app (app://) and the web host.
 * No inline script and no inline style sheet: scripts and styles come from the app's own files only;
 * `style-src-attr` still allows style attributes, which ECharts writes into its tooltips' markup and
 * Vue sets for bound styles (they hold declarations, never selectors, so they cannot read the page).
 * 'wasm-unsafe-eval' lets TensorFlow.js compile WebAssembly without allowing JavaScript eval.
 *
 * @example contentSecurityPolicy(['ws://127.0.0.1:8080']) // the web host's, with its event socket
 */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src ${["'self'", ...connect].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
