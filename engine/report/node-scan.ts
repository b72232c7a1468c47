/** Writes a scan's scan.json and report.html beside the rewritten model (CLI and hosts alike). */
import { join } from 'node:path';
import { writeFileAtomic } from '../files/node-files.js';
import type { ScanReport } from '../torch/scan.js';
import { renderScanHtml } from './scan-report.js';

export function writeScanFiles(outDir: string, report: ScanReport): { json: string; report: string } {
  const json = join(outDir, 'scan.json');
  const html = join(outDir, 'report.html');
  writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(html, renderScanHtml(report));
  return { json, report: html };
}
