import type { EChartsType } from './echarts';

/** One piece of text as drawn: its string and its box in the chart's pixels. */
export interface TextBox {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface DrawnText {
  type: string;
  ignore?: boolean;
  invisible?: boolean;
  style?: { text?: unknown };
  getBoundingRect(): { clone(): { applyTransform(m: unknown): void; x: number; y: number; width: number; height: number } };
  getComputedTransform(): unknown;
}

/**
 * Every text a chart draws (titles, axis names and labels, legend, end labels), with its box: what a
 * test needs to tell whether any two overprint.
 */
export function textBoxes(chart: EChartsType): TextBox[] {
  const list = (chart.getZr() as unknown as { storage: { getDisplayList(update: boolean): DrawnText[] } }).storage.getDisplayList(true);
  return list
    .filter(
      (el) => (el.type === 'tspan' || el.type === 'text') && !el.ignore && !el.invisible && String(el.style?.text ?? '').trim() !== '',
    )
    .map((el) => {
      const r = el.getBoundingRect().clone();
      r.applyTransform(el.getComputedTransform());
      return { text: String(el.style!.text), x: r.x, y: r.y, width: r.width, height: r.height };
    });
}

/** Pairs of boxes that overlap by more than `slack` pixels each way: text printed over text. */
export function overprinted(boxes: readonly TextBox[], slack = 1): [TextBox, TextBox][] {
  const out: [TextBox, TextBox][] = [];
  boxes.forEach((a, i) =>
    boxes.slice(i + 1).forEach((b) => {
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > slack && h > slack) out.push([a, b]);
    }),
  );
  return out;
}
