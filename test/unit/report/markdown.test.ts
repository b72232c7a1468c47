import { describe, expect, it } from 'vitest';
import { markdownText, renderMarkdown } from '../../../engine/report/markdown.js';
import { BLOCKDIAG, INVALID_MESSAGE, fixture } from './fixture.js';

describe('renderMarkdown', () => {
  const md = renderMarkdown(fixture);

  it('opens with the escaped profile name, description and environment', () => {
    expect(md.split('\n')[0]).toBe('# Fusebench report: Bottleneck &lt;script&gt;alert("x")&lt;/script&gt; &amp; gmp');
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<b>');
    expect(md).toContain('| CPU | AMD EPYC 7B13 (2 cores) |');
    expect(md).toContain('| backend webgpu | unavailable: no Vulkan adapter found |');
  });

  it('gives best and crossover per family and a table per family', () => {
    expect(md).toContain('## bottleneck');
    expect(md).toContain('## gmp');
    expect(md).toMatch(/inference · wasm: fusing never pays at groups ≥ 2 at batch=2 \(×0\.96\); other slices: from groups=4 \(1 of 1\)/);
    expect(md).toMatch(/inference · wasm: fusing pays: best parallel\.fusedMax ×3\.\d+ \\\[/);
    expect(md).toMatch(/\| implementation \| mode \| backend \| groups \| batch \| status \|/);
  });

  it('marks the non-equivalent point in its family table and lists it', () => {
    const section = md.slice(md.indexOf('## Not equivalent'), md.indexOf('## Invalid'));
    expect(section).toContain(
      `| ⚠ **bottleneck** | ${BLOCKDIAG} | inference | wasm | batch=2, channels=64, groups=2, height=8, squeeze=2, width=8 | 0.0032 |`,
    );
    expect(md).toContain('not counted (×1.52)');
    expect(md).toMatch(
      /\| ⚠ \*\*parallel\.blockDiagonalConv\*\* \| inference \| wasm \| 2 \| 2 \| ok \|.*NO: not equivalent: relErr 0\.0032/,
    );
  });

  it('lists invalid and error points with their messages on one table line each', () => {
    const section = md.slice(md.indexOf('## Invalid'));
    expect(section).toContain(`| invalid | ${INVALID_MESSAGE} |`);
    expect(section).toContain('| error | WebAssembly.Memory(): could not allocate memory, "grow" failed     at conv2d (wasm) |');
  });
});

describe('markdownText', () => {
  it('neutralises HTML, emphasis, table pipes and line-start syntax', () => {
    expect(markdownText('<img src=x> *a* _b_ [c](d) x|y')).toBe('&lt;img src=x&gt; \\*a\\* \\_b\\_ \\[c\\](d) x\\|y');
    expect(markdownText('# not a heading\n- not a list')).toBe('\\# not a heading\n\\- not a list');
  });
});
