import type { SweepResults } from '../files/schemas.js';
import { reportModel } from './report-model.js';
import type { TextTable } from './report-model.js';

/**
 * Escapes text for Markdown: HTML is neutralised (renderers pass raw HTML through), emphasis, link and
 * table syntax is backslash-escaped, and a line cannot start a heading, quote or list.
 */
export function markdownText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|])/g, '\\$1')
    .replace(/^(\s*)([#=+-])/gm, '$1\\$2');
}

function cell(text: string): string {
  return markdownText(text).replace(/\r?\n/g, ' ');
}

function markdownTable(table: TextTable): string {
  const flagged = new Set(table.flaggedRows);
  const lines = [`| ${table.header.map(cell).join(' | ')} |`, `|${table.header.map(() => '---').join('|')}|`];
  table.rows.forEach((row, i) => {
    // Bold plus a marker, so a non-equivalent row stands out even where Markdown is read as plain text.
    const cells = row.map(cell).map((c, j) => (flagged.has(i) && j === 0 ? `⚠ **${c}**` : c));
    lines.push(`| ${cells.join(' | ')} |`);
  });
  return lines.join('\n');
}

/**
 * The Markdown report: profile, environment, summary (best, crossover), a table per family, and the
 * non-equivalent, invalid, error and cancelled points with their messages.
 *
 * @example renderMarkdown(results).startsWith('# Fusebench report: ') // true
 */
export function renderMarkdown(results: SweepResults): string {
  const m = reportModel(results);
  const out: string[] = [`# Fusebench report: ${cell(m.profileName)}`, ''];
  if (m.description.trim()) out.push(markdownText(m.description), '');
  out.push(`_${cell(m.provenance)}_`, '');
  out.push('## Environment', '', markdownTable({ header: ['item', 'value'], rows: m.environment, flaggedRows: [] }), '');
  out.push('## Summary', '', markdownTable(m.summary), '', markdownText(m.method), '');
  for (const f of m.families) {
    out.push(`## ${cell(f.family)}`, '');
    const swept = f.swept.length > 0 ? f.swept.join(', ') : 'nothing';
    out.push(`Swept: ${cell(swept)}.${f.fixed ? ` Fixed: ${cell(f.fixed)}.` : ''}`, '');
    for (const v of f.verdicts) out.push(`- ${cell(v)}`);
    out.push('', markdownTable(f.table), '');
  }
  out.push('## Not equivalent', '');
  out.push(
    m.nonEquivalent.rows.length > 0
      ? `These points' outputs differ from serial beyond tolerance; their timings are not counted as speedups.\n\n${markdownTable(m.nonEquivalent)}`
      : 'None: every parallel point checked matched serial.',
    '',
  );
  out.push('## Invalid, error and cancelled points', '');
  out.push(m.failed.rows.length > 0 ? markdownTable(m.failed) : 'None.', '');
  return out.join('\n');
}
