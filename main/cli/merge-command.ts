import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  existingJournal,
  fileStem,
  makeDirectory,
  mergeShards,
  type MergeOutcome,
  profileHash,
  readResultsFile,
  renderReport,
  shardText,
  summaryLines,
  writeFileAtomic,
  writeJournal,
} from '../../engine/node.js';
import { FusebenchError, type JournalHeader, type SweepResults } from '../../engine/common.js';
import { parse, usage } from './args.js';

type Out = (text: string) => void;

/** A shard's results file: the path itself, or the one `*.sweep.json` in a shard's folder. */
function resultsIn(path: string): string {
  const full = resolve(path);
  if (!existsSync(full))
    throw new FusebenchError(`${path} does not exist; give each shard's --out folder (or its *.sweep.json)`, 'usage', 'shards');
  if (!statSync(full).isDirectory()) return full;
  const names = readdirSync(full);
  const results = names.filter((n) => n.endsWith('.sweep.json'));
  if (results.length === 1) return join(full, results[0]!);
  if (results.length > 1)
    throw new FusebenchError(`${path} holds ${results.length} results files; give the one to merge`, 'usage', 'shards');
  // A killed shard leaves its journal and no results: say how to finish it.
  const journal = names.find((n) => n.endsWith('.sweep.ndjson'));
  const header = journal ? existingJournal(join(full, journal))?.header : undefined;
  const resume = header?.shard ? ` --resume --shard ${shardText(header.shard)}` : ' --resume';
  throw new FusebenchError(
    `${path} holds no results${journal ? ` (only the journal ${journal}: the shard stopped before its end)` : ''}; ` +
      `finish it with fusebench sweep PROFILE --out ${path}${resume}, or merge the others with --allow-partial`,
    'usage',
    'shards',
  );
}

/** `fusebench merge DIR... --out DIR [--allow-partial] [--json]`: one results file, journal and report from a sweep's shards. */
export function mergeCommand(argv: string[], out: Out, err: Out): number {
  const { values, positionals } = parse(
    argv,
    { out: { type: 'string' }, 'allow-partial': { type: 'boolean' }, json: { type: 'boolean' } },
    true,
  );
  if (positionals.length === 0) throw usage('merge needs the shards to merge: fusebench merge DIR... --out DIR (each DIR a shard’s --out)');
  if (!values.out) throw usage('merge needs --out DIR, where the merged results, journal and report go');
  const parts: { path: string; results: SweepResults }[] = [];
  const missingResults: string[] = [];
  for (const p of positionals) {
    try {
      const path = resultsIn(p);
      parts.push({ path, results: readResultsFile(path) });
    } catch (e) {
      // With --allow-partial a shard still running or killed is left out, said below; otherwise it stops the merge.
      if (!values['allow-partial'] || !(e instanceof FusebenchError)) throw e;
      missingResults.push(`${p}: ${e.message}`);
    }
  }
  const outcome = mergeShards(parts, { allowPartial: Boolean(values['allow-partial']) });
  const outDir = resolve(values.out);
  if (parts.some((p) => resolve(p.path, '..') === outDir)) {
    throw new FusebenchError(`--out ${values.out} is one of the shards; merge into a folder of its own`, 'usage', 'out');
  }
  writeMerged(outcome, outDir, parts.length, values.json ? 'json' : 'text', out);
  for (const m of missingResults) err(`left out: ${m}`);
  const count = outcome.results.shards?.[0]?.count ?? parts.length;
  if (outcome.missing.length > 0)
    err(`incomplete: shard(s) ${outcome.missing.map((i) => `${i}/${count}`).join(', ')} missing (--allow-partial)`);
  return 0;
}

/** Writes a merge into `outDir` (results, a journal of the whole plan, report.html) and says what it holds. */
export function writeMerged(outcome: MergeOutcome, outDir: string, merged: number, format: 'json' | 'text', out: Out): void {
  const { results, missing, machines } = outcome;
  const stem = fileStem(results.profile.name);
  makeDirectory(outDir);
  const backends = results.profile.backends.filter((b) => results.points.some((p) => p.backend === b));
  const header: JournalHeader = {
    kind: 'header',
    schemaVersion: results.schemaVersion,
    tool: results.tool,
    createdAt: results.createdAt,
    profile: results.profile,
    environment: results.environment,
    backends: backends.length > 0 ? backends : results.profile.backends,
    profileHash: profileHash(results.profile),
  };
  const resultsPath = join(outDir, `${stem}.sweep.json`);
  const journalPath = join(outDir, `${stem}.sweep.ndjson`);
  writeJournal(journalPath, header, results.points);
  writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  const report = renderReport(results, 'html').files[0]!;
  const reportPath = join(outDir, report.name);
  writeFileAtomic(reportPath, report.content);
  const count = results.shards?.[0]?.count ?? merged;
  if (format === 'json') {
    const summary = { results: resultsPath, journal: journalPath, report: reportPath, complete: results.complete };
    out(JSON.stringify({ ...summary, points: results.points.length, shards: merged, of: count, missing, machines }, null, 2));
    return;
  }
  out(summaryLines(results).join('\n'));
  out('');
  out(
    `merged ${merged} of ${count} shards: ${results.points.length} points, measured on ${machines.length} machine(s): ${machines.join('; ')}`,
  );
  out(`results  ${resultsPath}\njournal  ${journalPath}\nreport   ${reportPath}`);
}
