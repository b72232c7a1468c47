import { describe, expect, it } from 'vitest';
import { CSV_METRIC_COLUMNS, renderCsv } from '../../../engine/report/csv.js';
import { BLOCKDIAG, ERROR_MESSAGE, IM2COL, fixture } from './fixture.js';

/** A strict RFC 4180 reader, independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after closing quote at ${i}`);
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else if (c === '"' || c === '\n' || c === '\r') {
      throw new Error(`bare ${JSON.stringify(c)} in an unquoted field at ${i}`);
    } else {
      field += c;
    }
    i += 1;
  }
  if (field !== '' || row.length > 0) throw new Error('last record lacks CRLF');
  return rows;
}

describe('renderCsv', () => {
  const rows = parseCsv(renderCsv(fixture));
  const header = rows[0]!;
  const records = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));

  it('has a header and exactly one row per point, every row as wide as the header', () => {
    expect(records).toHaveLength(fixture.points.length);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    expect(header).toEqual([
      'family',
      'implementation',
      'role',
      'mode',
      'backend',
      'status',
      'config.batch',
      'config.channels',
      'config.groups',
      'config.height',
      'config.squeeze',
      'config.width',
      ...CSV_METRIC_COLUMNS,
    ]);
  });

  it('round-trips a message with a comma, quotes and a newline', () => {
    const error = records.find((r) => r.status === 'error')!;
    expect(error.message).toBe(ERROR_MESSAGE);
    expect(error.median_ms).toBe('');
    expect(renderCsv(fixture)).toContain('"WebAssembly.Memory(): could not allocate memory, ""grow"" failed\n');
  });

  it('fills figures, and speedup only for equivalent parallel points', () => {
    const im2col = records.find((r) => r.implementation === IM2COL && r['config.groups'] === '4' && r['config.batch'] === '1')!;
    expect(Number(im2col.median_ms)).toBe(3.5);
    expect(Number(im2col.speedup)).toBeCloseTo(8 / 3.5, 1);
    expect(im2col.equivalent).toBe('true');
    const bad = records.find((r) => r.implementation === BLOCKDIAG && r['config.groups'] === '2' && r['config.batch'] === '2')!;
    expect(bad.equivalent).toBe('false');
    expect(bad.rel_err).toBe('0.0032');
    expect(bad.speedup).toBe('');
    expect(records.find((r) => r.family === 'gmp')!['config.squeeze']).toBe('');
  });

  it.each(['=HYPERLINK("http://evil.example","x")', '+cmd', '-2+3', '@SUM(A1)', '\t=1'])(
    'escapes a text cell that a spreadsheet would run as a formula: %s',
    (message) => {
      const point = { ...fixture.points[0]!, status: 'error' as const, message };
      const parsed = parseCsv(renderCsv({ ...fixture, points: [point] }));
      const cell = parsed[1]![parsed[0]!.indexOf('message')]!;
      expect(cell).toBe(`'${message}`);
    },
  );

  it('leaves numbers alone, negative ones included', () => {
    const point = { ...fixture.points[0]!, config: { ...fixture.points[0]!.config, groups: -2 } };
    const parsed = parseCsv(renderCsv({ ...fixture, points: [point] }));
    expect(parsed[1]![parsed[0]!.indexOf('config.groups')]).toBe('-2');
  });
});
