/**
 * The engine's light public entry: names, limits, error classes and file-format types that hosts and
 * the API contract (main/api.ts, which the renderer bundles too) need without loading TensorFlow.js
 * or Node modules. Hosts import the engine only through this file, engine/index.ts (families,
 * formulas, verify) and engine/node.ts (files, sweeps, backends and reports in Node); a lint rule
 * (eslint.config.js) keeps it so.
 */
export { BACKENDS, DEFAULT_BACKEND, KNOWN_DEFECTS, isBackendName } from './core/backend-names.js';
export type { BackendInfo, BackendName } from './core/backend-names.js';
export { MODES } from './core/types.js';
export type { Mode, WeightSet } from './core/types.js';
export { BackendUnavailableError, ConfigError, FileFormatError, FusebenchError, describeError, jsonPath } from './core/errors.js';
export type { ErrorKind } from './core/errors.js';
export {
  DEFAULT_MAX_POINTS,
  MAX_POINTS_CEILING,
  MAX_PROFILE_BYTES,
  MAX_RESULTS_BYTES,
  MAX_NAME_CHARS,
  MAX_TEXT_CHARS,
  MAX_JSON_DEPTH,
  jsonBoundsProblem,
  jsonTextTooDeep,
  nearestName,
} from './files/limits.js';
export type { Environment, JournalHeader, PointRecord, Profile, SweepResults } from './files/schemas.js';
export type { SweepProgress } from './sweep/run-sweep.js';
export type { SweepFilesRequest } from './sweep/node-sweep.js';
export type { FromWorker, ToWorker } from './worker/protocol.js';
export type { FromPlanner, ToPlanner } from './worker/protocol.js';
export type { PlanDetails } from './sweep/plan-details.js';
