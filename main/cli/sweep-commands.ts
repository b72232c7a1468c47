import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  assertBackendsAvailable,
  fileStem,
  journalPathIn,
  makeDirectory,
  planSweep,
  mergeShards,
  parseShard,
  shardText,
  type Shard,
  describeSkipped,
  withoutUnavailableHere,
  existingJournal,
  readProfileFile,
  readResultsFile,
  renderReport,
  REPORT_FORMATS,
  summaryLines,
  verdictCards,
  writeFileAtomic,
  type ReportFormat,
} from '../../engine/node.js';
import { FusebenchError, MAX_POINTS_CEILING, type ErrorKind, type SweepResults } from '../../engine/common.js';
import { workerThreadLauncher } from '../engine-host/worker-thread.js';
import { backendOption, intOption, parse, usage, deviceOption } from './args.js';
import { ProgressView } from './progress.js';
import { writeMerged } from './merge-command.js';

type Out = (text: string) => void;

/** How long a cancelled engine may take to end on its own before the CLI stops it (Ctrl-C answers within 2 s). */
export const CLI_CANCEL_GRACE_MS = 1_500;

/** Non-equivalent points that are not listed backend defects: these fail the run (exit 1). */
export function unexpectedFailures(results: SweepResults) {
  return results.points.filter((p) => p.equivalence && !p.equivalence.pass && !p.equivalence.knownDefect && p.status === 'ok');
}

/**
 * runs/<profile>; when that already holds a sweep and this is a fresh run, runs/<profile>-<time>, so the
 * main job can be run again. --resume without --out continues runs/<profile>.
 */
function defaultOutDir(name: string, resume: boolean, shard?: Shard): string {
  const base = join('runs', `${fileStem(name)}${shard ? `-shard-${shard.index}of${shard.count}` : ''}`);
  if (resume || !existsSync(join(base, `${fileStem(name)}.sweep.ndjson`))) return base;
  return `${base}-${new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19)}`;
}

/** `fusebench sweep PROFILE [--backend B] [--out DIR] [--resume] [--max-points N] [--json]` */
export async function sweepCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      backend: { type: 'string' },
      device: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      'max-points': { type: 'string' },
      shard: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (positionals.length !== 1) throw usage('sweep needs one PROFILE file, e.g. fusebench sweep profiles/smoke.profile.json');
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  // Several devices: one shard per device, side by side, merged at the end (docs/scale-out.md).
  if (values.device?.includes(',')) {
    if (shard) throw usage('--device with several devices cuts the plan itself (one shard per device); leave out --shard');
    const devices = values.device.split(',').map((d) => deviceOption(d.trim()));
    const read = readProfileFile(positionals[0]!);
    const outDir = resolve(values.out ?? defaultOutDir(read.name, Boolean(values.resume)));
    return sweepOnDevices(positionals[0]!, read.name, devices, outDir, argv, Boolean(values.json), out, err);
  }
  const backend = values.backend === undefined ? undefined : backendOption(values.backend);
  // Optional backends that cannot run here are left out, said in one line (a --backend choice overrides them).
  const read = readProfileFile(positionals[0]!);
  const { profile, skipped } = backend || values.resume ? { profile: read, skipped: [] } : await withoutUnavailableHere(read);
  if (skipped.length > 0 && !values.json) err(describeSkipped(skipped, profile));
  const maxPoints = intOption('--max-points', values['max-points']);
  if (maxPoints !== undefined && (maxPoints < 1 || maxPoints > MAX_POINTS_CEILING))
    throw usage(`--max-points must be between 1 and ${MAX_POINTS_CEILING}, got ${maxPoints}`);
  const outDir = resolve(values.out ?? defaultOutDir(profile.name, Boolean(values.resume), shard));
  // The run's one plan (engine/sweep/plan.ts): profile errors and oversize plans surface here, from counts
  // alone, before any work; a resume keeps the backends its journal recorded (its size was accepted then).
  const journal = journalPathIn(outDir, profile.name);
  const recorded = values.resume ? existingJournal(journal) : undefined;
  const resumedOn = recorded ? (recorded.header.backends ?? recorded.header.profile.backends) : undefined;
  const plan = planSweep(profile, {
    ...(backend ? { backend } : {}),
    ...(maxPoints ? { maxPoints } : {}),
    ...(resumedOn ? { resumedOn, journal } : {}),
  });
  // A backend that cannot run here stops the sweep before its first point.
  await assertBackendsAvailable(plan);

  const view = new ProgressView(process.stderr);
  // Ctrl-C stops a sweep within 2 s: past the grace the engine is stopped, its journal already on disk.
  const launch = workerThreadLauncher(undefined, { graceMs: CLI_CANCEL_GRACE_MS });
  const request = {
    profile,
    outDir,
    plan,
    ...(backend ? { backend } : {}),
    ...(maxPoints ? { maxPoints } : {}),
    ...(values.device !== undefined ? { torchDevice: deviceOption(values.device) } : {}),
    ...(shard ? { shard } : {}),
    resume: Boolean(values.resume),
  };
  let started = false;
  const handle = launch(request, (m) => {
    if (m.type !== 'progress') return;
    // Announced once the engine has the folder and its journal: a refusal before that is the only line printed.
    if (!started && !values.json)
      err(`${profile.name}${shard ? ` (shard ${shardText(shard)})` : ''}: ${m.progress.total} points → ${outDir}`);
    started = true;
    view.update(m.progress);
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    err('\ncancelling after the point in flight (Ctrl-C again to quit now)…');
    handle.cancel();
  };
  process.on('SIGINT', onSigint);
  const last = await handle.finished;
  process.off('SIGINT', onSigint);
  view.end();
  const resume = `fusebench sweep ${positionals[0]} --out ${outDir} --resume${shard ? ` --shard ${shardText(shard)}` : ''}`;
  if (last.type === 'failed') {
    if (last.cancelled) {
      err(`stopped: every finished point is in the journal; continue with: ${resume}`);
      return 130;
    }
    // The engine's own error, kind and field intact (a bad profile field, a busy folder, a full disk).
    if (last.userError) throw new FusebenchError(last.message, (last.kind as ErrorKind | undefined) ?? 'usage', last.field);
    err(`fusebench sweep: ${last.message}`);
    return 3;
  }
  const { results } = last;
  const failures = unexpectedFailures(results);
  const errors = results.points.filter((p) => p.status === 'error');
  if (values.json) {
    out(
      JSON.stringify(
        {
          results: last.resultsPath,
          journal: last.journalPath,
          report: last.reportPath,
          complete: results.complete,
          points: results.points.length,
          resumedPoints: last.resumedPoints,
          failures: failures.length,
          errors: errors.length,
        },
        null,
        2,
      ),
    );
  } else {
    out(summaryLines(results).join('\n'));
    // Where backends answer otherwise for one family, why: the fused form each of them runs.
    const differ = verdictCards(results).flatMap((c) =>
      (c.otherBackends ?? []).map((n) => `  ${c.family} · ${c.mode} · ${c.backend}: ${n}`),
    );
    if (differ.length > 0) out(['backends answer differently:', ...differ].join('\n'));
    out('');
    out(`${results.complete ? 'complete' : 'cancelled'}: ${results.points.length} points (${last.resumedPoints} from the journal)`);
    out(`results  ${last.resultsPath}\njournal  ${last.journalPath}${last.reportPath ? `\nreport   ${last.reportPath}` : ''}`);
    if (!results.complete) out(`continue with: ${resume}`);
  }
  // Stopped by Ctrl-C: the shell's convention for an interrupted command.
  if (interrupts > 0 && !results.complete) {
    err(`interrupted: continue with: ${resume}`);
    return 130;
  }
  for (const f of failures) err(`not equivalent: ${f.message ?? f.key}`);
  if (errors.length > 0) {
    err(
      `${errors.length} of ${results.points.length} points could not be measured (status error), e.g. ${errors[0]!.key}: ${errors[0]!.message ?? 'no reason given'}; ${resume} measures them again`,
    );
  }
  const busy = results.points.filter((p) => p.machine?.busy).length;
  if (busy > 0) {
    err(
      `warning: ${busy} of ${results.points.length} points were measured while other processes used the CPU; they are marked busy in the results`,
    );
  }
  return failures.length > 0 || errors.length > 0 ? 1 : 0;
}

/**
 * One shard per device, each a `fusebench sweep --shard k/N --device D` process of its own in OUT/shard-k,
 * side by side; their results merged into OUT. A shard that fails is named with the command that resumes it.
 */
async function sweepOnDevices(
  profilePath: string,
  profileName: string,
  devices: readonly string[],
  outDir: string,
  argv: readonly string[],
  json: boolean,
  out: Out,
  err: Out,
): Promise<number> {
  const passOn = dropOptions(argv, ['--device', '--out', '--json']).filter((a) => a !== profilePath);
  const shards = devices.map((device, i) => {
    const shardOut = join(outDir, `shard-${i + 1}`);
    const args = ['sweep', profilePath, '--shard', `${i + 1}/${devices.length}`, '--device', device, '--out', shardOut, ...passOn];
    return { device, shardOut, args };
  });
  err(`${devices.length} shards, one per device (${devices.join(', ')}) → ${outDir}`);
  const codes = await Promise.all(
    shards.map(
      (s) =>
        new Promise<number>((done) => {
          const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...s.args], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          // Each shard's progress and messages, prefixed with its device.
          createInterface({ input: child.stderr! }).on('line', (line) => err(`[${s.device}] ${line}`));
          child.on('exit', (code, signal) => done(code ?? (signal ? 130 : 3)));
        }),
    ),
  );
  const failed = shards.filter((_, i) => codes[i] !== 0 && codes[i] !== 1);
  for (const s of failed) err(`shard on ${s.device} stopped; continue it with: fusebench ${s.args.join(' ')} --resume`);
  if (failed.length > 0) return Math.max(...codes.filter((c) => c !== 1));
  const parts = shards.map((s) => {
    const path = join(s.shardOut, `${fileStem(profileName)}.sweep.json`);
    return { path, results: readResultsFile(path) };
  });
  writeMerged(mergeShards(parts), outDir, parts.length, json ? 'json' : 'text', out);
  return Math.max(...codes);
}

/** `argv` without the named options and their values. */
function dropOptions(argv: readonly string[], names: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (!names.includes(name)) kept.push(a);
    else if (!a.includes('=') && name !== '--json') i++;
  }
  return kept;
}

/** `fusebench report RESULTS --format html|csv|md|json|svg [--out PATH]` */
export function reportCommand(argv: string[], out: Out): number {
  const { values, positionals } = parse(argv, { format: { type: 'string' }, out: { type: 'string' } }, true);
  if (positionals.length !== 1) throw usage('report needs one RESULTS file (*.sweep.json)');
  const format = (values.format ?? 'html') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw usage(`--format must be one of ${REPORT_FORMATS.join(', ')}, got '${values.format}'`);
  const results = readResultsFile(positionals[0]!);
  const { files } = renderReport(results, format);
  const defaultDir = dirname(resolve(positionals[0]!));
  let targets: { path: string; content: string }[];
  if (format === 'svg') {
    const dir = resolve(values.out ?? join(defaultDir, 'charts'));
    makeDirectory(dir);
    targets = files.map((f) => ({ path: join(dir, f.name), content: f.content }));
  } else {
    targets = [{ path: resolve(values.out ?? join(defaultDir, files[0]!.name)), content: files[0]!.content }];
  }
  for (const t of targets) {
    makeDirectory(dirname(t.path));
    writeFileAtomic(t.path, t.content);
    out(t.path);
  }
  return 0;
}
