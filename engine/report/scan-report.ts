/**
 * A scan's answer in words, and its HTML report (docs/scan.md): which sites were found, which were fused,
 * whether the rewrite computes the same function, and whether it pays. Shared by the CLI and the hosts.
 */
import type { ScanReport, ReportedSite } from '../torch/scan.js';
import { escapeHtml, formatBytes, formatConfig, formatMs, formatNumber, formatSpeedup } from './format.js';

/** `bottleneck (parallel.groupedConv)`, `generic (vmap)`, or `—` for a site with no fused form. */
export function siteForm(s: Pick<ReportedSite, 'family' | 'implementation'>): string {
  if (!s.implementation) return s.family ?? '—';
  return `${s.family ?? 'generic'} (${s.implementation})`;
}

/** "×1.9 [1.8–2.0] faster in training" for a measured target, else undefined. */
export function speedupWords(t: {
  speedup?: number;
  speedupLow?: number;
  speedupHigh?: number;
  verdict?: string;
  mode?: string;
}): string | undefined {
  if (t.speedup === undefined) return undefined;
  const verdict = t.verdict === 'within-noise' ? 'within noise' : t.verdict;
  return `${formatSpeedup(t)} ${verdict} in ${t.mode === 'training' ? 'training' : 'inference'}`;
}

/** The answer in one line: "fusing 2 of 3 sites: ×1.9 [1.8–2.0] faster in training; same function, max rel. err 3e-7". */
export function scanAnswer(r: ScanReport): string {
  const candidates = r.sites.filter((s) => s.fusable || s.implementation || s.reason);
  const fused = r.sites.filter((s) => isFused(r, s)).length;
  if (candidates.length === 0) return 'no fusable branches found: no loop over identical branches on one input';
  const same = r.whole.proof.pass
    ? `same function, max rel. err ${formatNumber(r.whole.relErr, 2)} (float32)`
    : 'NOT the same function: the rewrite failed its proof (a bug of scan: please report it)';
  if (fused === 0)
    return `fusing 0 of ${candidates.length} sites: ${candidates.map((s) => `${s.path}: ${s.reason ?? 'not fusable'}`).join('; ')}`;
  const speed = speedupWords(r.whole) ?? 'speed not measured (--measure)';
  return `fusing ${fused} of ${candidates.length} site${candidates.length === 1 ? '' : 's'}: ${speed}; ${same}`;
}

/** Whether the rewritten model fuses this site (a gmp chained to branches is fused with them). */
export function isFused(r: Pick<ScanReport, 'whole'>, s: Pick<ReportedSite, 'path' | 'chainedTo'>): boolean {
  return r.whole.sitesFused.includes(s.chainedTo ?? s.path);
}

/** One row per site for tables: path, pattern, branches, form, config, fused or why not, speedup. */
export function siteRows(r: ScanReport): string[][] {
  return r.sites.map((s) => [
    s.chainedTo ? `${s.path} (with ${s.chainedTo})` : s.path,
    s.pattern,
    String(s.branches),
    siteForm(s),
    s.config ? formatConfig(s.config) : '—',
    isFused(r, s) ? 'fused' : `no: ${s.reason ?? 'no fused form'}`,
    speedupWords(s) ?? '—',
  ]);
}

export const SITE_COLUMNS = ['site', 'pattern', 'branches', 'fused form', 'config', 'rewritten', 'speedup'];

function verdictClass(v: string | undefined): string {
  return v === 'faster' ? 'faster' : v === 'slower' ? 'slower' : 'noise';
}

function measurementTable(title: string, m: NonNullable<ReportedSite['measurement']>): string {
  const rows = m
    .map(
      (x) =>
        `<tr><td>${x.mode}</td><td>${escapeHtml(formatSpeedup(x))}</td><td class="${verdictClass(x.verdict)}">${x.verdict}</td>` +
        `<td>${formatMs(x.originalMs)}</td><td>${formatMs(x.fusedMs)}</td><td>${x.memory.original === null ? 'CPU: not measured' : `${formatBytes(x.memory.original)} → ${formatBytes(x.memory.fused)}`}</td>` +
        `<td>${x.passes} × fresh process, ${x.rounds} rounds</td></tr>`,
    )
    .join('');
  return `<h3>${escapeHtml(title)}</h3><table><tr><th>mode</th><th>speedup [95%]</th><th>verdict</th><th>original</th><th>fused</th><th>memory (CUDA peak)</th><th>measured</th></tr>${rows}</table>`;
}

/** A self-contained HTML page (no script, no outside resources). */
export function renderScanHtml(r: ScanReport): string {
  const sites = siteRows(r)
    .map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  const proof = (r.whole.proof.modes ?? [])
    .map(
      (m) =>
        `<tr><td>${m.mode}</td><td>${m.pass ? 'pass' : 'FAIL'}</td><td>${formatNumber(m.float64.output, 2)}</td><td>${formatNumber(m.float64.inputGrad, 2)}</td>` +
        `<td>${formatNumber(m.float64.weightGrad, 2)}</td><td>${formatNumber(m.float64.statistics, 2)}</td><td>${formatNumber(m.float32.output, 2)}</td><td>${formatNumber(m.float32.inputGrad, 2)}</td></tr>`,
    )
    .join('');
  const measured = [
    ...(r.whole.measurement ? [measurementTable('Whole model', r.whole.measurement)] : []),
    ...r.sites.filter((s) => s.measurement).map((s) => measurementTable(`Site ${s.path} alone`, s.measurement!)),
  ].join('');
  const files = Object.entries(r.files)
    .map(([k, v]) => `<li>${escapeHtml(k)}: <code>${escapeHtml(v)}</code></li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fusebench scan: ${escapeHtml(r.model)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:80rem;color:#1b1f24}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}.answer{font-size:1.2rem;font-weight:600}
.faster{color:#116329}.slower{color:#a40e26}.noise{color:#57606a}code{font-size:.9em}</style></head><body>
<h1>Scan of ${escapeHtml(r.model)}</h1>
<p class="answer">${escapeHtml(scanAnswer(r))}</p>
<p>Input ${escapeHtml(r.inputShape.join('×'))} · ${escapeHtml(r.device)} · PyTorch ${escapeHtml(r.torch)} · modes ${escapeHtml(r.modes.join(', '))} · parameters ${r.whole.params.original} → ${r.whole.params.fused}</p>
<h2>Sites</h2><table><tr>${SITE_COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr>${sites}</table>
<h2>Proof (the whole rewritten model against the original)</h2>
<p>Relative error of outputs, input gradient, weight gradients (mapped back to the original names) and BatchNorm running statistics after a training step, in float64 (pass: ≤ ${formatNumber(r.whole.proof.tolerance ?? 1e-8)}), with the float32 errors a user sees.</p>
<table><tr><th>mode</th><th>result</th><th>output (f64)</th><th>input grad (f64)</th><th>weight grads (f64)</th><th>statistics (f64)</th><th>output (f32)</th><th>input grad (f32)</th></tr>${proof}</table>
${measured ? `<h2>Measurement</h2>${measured}` : '<p>Not measured: run with --measure for speedups with 95% intervals.</p>'}
${files ? `<h2>Files</h2><ul>${files}</ul>` : ''}
</body></html>
`;
}
