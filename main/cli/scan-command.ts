/**
 * `fusebench scan FILE.py:ClassName --input-shape B,C,H,W [...]` (docs/scan.md): the fusable branches of
 * the user's own PyTorch model, rewritten, proved and (with --measure) timed. The model's file runs in a
 * Python process of its own (engine/torch/scan.py), as when the user trains it.
 */
import { join } from 'node:path';
import {
  DEFAULT_SCAN_TIME_SETTINGS,
  makeDirectory,
  runScan,
  ScanCrash,
  scanAnswer,
  SITE_COLUMNS,
  siteRows,
  writeScanFiles,
  type ScanReport,
} from '../../engine/node.js';
import { deviceOption, intOption, jsonOption, parse, usage } from './args.js';
import { table } from './table.js';

type Out = (text: string) => void;

/** `FILE.py:ClassName` → its parts, or a usage error showing the form. */
export function modelOption(text: string | undefined): { file: string; className: string } {
  const m = text ? /^(.+\.py):([A-Za-z_][A-Za-z0-9_]*)$/.exec(text) : null;
  if (!m) throw usage(`give the model as FILE.py:ClassName (e.g. models/net.py:AttributeModel), got '${text ?? ''}'`);
  return { file: m[1]!, className: m[2]! };
}

/** `2,512,14,14` → [2, 512, 14, 14]. */
export function shapeOption(text: string | undefined): number[] {
  if (text === undefined) throw usage('--input-shape is required: the shape of one input batch, e.g. --input-shape 2,2048,14,14');
  const dims = text.split(',').map((d) => Number(d.trim()));
  if (dims.length === 0 || dims.length > 8 || dims.some((d) => !Number.isInteger(d) || d < 1 || d > 1_000_000)) {
    throw usage(`--input-shape must be 1 to 8 positive integers separated by commas (e.g. 2,2048,14,14), got '${text}'`);
  }
  return dims;
}

function modes(text: string | undefined): ('inference' | 'training')[] {
  if (text === undefined || text === 'both') return ['inference', 'training'];
  if (text === 'inference' || text === 'training') return [text];
  throw usage(`--mode must be inference, training or both, got '${text}'`);
}

export async function scanCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      kwargs: { type: 'string' },
      'input-shape': { type: 'string' },
      weights: { type: 'string' },
      backend: { type: 'string' },
      device: { type: 'string' },
      mode: { type: 'string' },
      measure: { type: 'boolean' },
      'keep-slower': { type: 'boolean' },
      passes: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (positionals.length !== 1) throw usage('give one model: fusebench scan FILE.py:ClassName --input-shape B,C,H,W');
  if (values.backend !== undefined && values.backend !== 'torch') {
    throw usage(`scan runs PyTorch models: --backend torch (the default), got '${values.backend}'`);
  }
  const passes = intOption('--passes', values.passes) ?? 3;
  if (passes < 1 || passes > 20) throw usage(`--passes must be 1 to 20, got ${passes}`);
  const outDir = values.out;
  if (outDir) makeDirectory(outDir);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let report: ScanReport;
  try {
    report = await runScan(
      {
        ...modelOption(positionals[0]),
        kwargs: jsonOption('--kwargs', values.kwargs) ?? {},
        inputShape: shapeOption(values['input-shape']),
        ...(values.weights ? { weights: values.weights } : {}),
        modes: modes(values.mode),
        device: deviceOption(values.device),
        seed: intOption('--seed', values.seed) ?? 0,
        ...(outDir ? { outDir } : {}),
        measure: values.measure ?? false,
        keepSlower: values['keep-slower'] ?? false,
        passes,
        settings: DEFAULT_SCAN_TIME_SETTINGS,
      },
      { signal: controller.signal, onOutput: (text) => process.stderr.write(text) },
      (p) => (values.json ? undefined : err(`scan: ${p.step}…`)),
    );
  } catch (e) {
    if (controller.signal.aborted) {
      err('fusebench scan: interrupted');
      return 130;
    }
    if (e instanceof ScanCrash) {
      err(`fusebench scan: internal error, please report it: ${e.message}`);
      if (e.trace) err(e.trace);
      return 3;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (outDir) writeScanFiles(outDir, report);
  if (values.json) out(JSON.stringify(report, null, 2));
  else {
    out(table(SITE_COLUMNS, siteRows(report)));
    out('');
    out(scanAnswer(report));
    if (outDir)
      out(
        `rewritten model: ${join(outDir, 'fused_model.py')} (load() returns it with its weights); report: ${join(outDir, 'report.html')}`,
      );
  }
  return report.whole.proof.pass ? 0 : 1;
}
