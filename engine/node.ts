/**
 * The engine's Node entry for hosts (CLI, web host, Electron main): files with their size caps and
 * atomic writes, plan checks, sweeps to files and their locks, the worker protocol, backends and
 * report rendering. Hosts import the engine only through this file, engine/index.ts and
 * engine/common.ts (eslint.config.js enforces it), so the engine's layout can change behind them.
 */
export { nodeEnvironment } from './backends/environment.js';
export { probeBackend, probeBackends, useBackend } from './backends/node.js';
export {
  makeDirectory,
  readJournalFile,
  readProfileFile,
  readResultsFile,
  readText,
  writeFileAtomic,
  writeJournal,
} from './files/node-files.js';
export { parseProfile, parseResults, validateProfileObject, validateResultsObject } from './files/read.js';
export { countPoints, expandProfile } from './sweep/expand.js';
export type { PlannedGroup } from './sweep/expand.js';
export { calibrateFromRuns, estimateGroupsMs, estimateSweepMs } from './sweep/estimate.js';
export type { BackendCalibration, Calibration } from './sweep/estimate.js';
export { checkPlan, type PlanSize } from './sweep/plan-check.js';
export { fileStem, profileHash } from './sweep/node-sweep.js';
export { LOCK_FILE, lockHolder, releaseAbandonedLock } from './sweep/sweep-lock.js';
export { fromWorkerSchema } from './worker/protocol.js';
export { renderReport } from './report/node-report.js';
export { REPORT_FORMATS } from './report/index.js';
export { summaryLines } from './report/summary.js';
export { finishedPoints } from './report/series.js';
export { assignShards, parseShard, planHash, shardLoads, shardText, type Shard } from './sweep/shards.js';
export { mergeShards, type MergeOutcome } from './sweep/merge.js';
export { verdictCards } from './report/verdict.js';
export { formatSpeedup } from './report/format.js';
export type { ReportFormat } from './report/index.js';
export { readSafetensorsFile, writeSafetensorsFile } from './files/node-safetensors.js';
export type { SafetensorsContent } from './files/safetensors.js';
export { verifyTorch } from './torch/verify-torch.js';
export type { TorchDevice } from './torch/worker-process.js';
export { convertCheckpoint } from './convert.js';
export { forwardLayer } from './node-forward.js';
export { assertFinite, countersFor, takeCheckpoint, type Checkpoint } from './checkpoint.js';
export { verifyExpected, type ExpectedCheck } from './verify-expected.js';
export { assertRunsOn } from './node-forward.js';
export { pytorchForm } from './weights.js';
export { familyReference, type FamilyReference } from './family-reference.js';
export {
  assertBackendsAvailable,
  describeSkipped,
  planSweep,
  withoutUnavailable,
  withoutUnavailableHere,
  type SkippedBackend,
  type SweepPlan,
} from './sweep/plan.js';
export { existingJournal, journalPathIn } from './sweep/node-sweep.js';
export { DEFAULT_SCAN_TIME_SETTINGS, runScan, type ScanOptions, type ScanProgress, type ScanReport } from './torch/scan.js';
export { ScanCrash } from './torch/scan-runner.js';
export { renderScanHtml, scanAnswer, SITE_COLUMNS, siteRows } from './report/scan-report.js';
export { writeScanFiles } from './report/node-scan.js';
