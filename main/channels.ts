/**
 * The contract's method and channel names, apart from main/api.ts so that the sandboxed preload can
 * import them without bundling the runtime schemas (zod).
 */
/** Method names, also the Electron IPC channel names (`domain:verb`) and the HTTP paths (/api/<name>). */
export const CHANNELS = {
  families: 'families:list',
  environment: 'environment:get',
  validateProfile: 'profile:validate',
  startSweep: 'sweep:start',
  cancelSweep: 'sweep:cancel',
  listRuns: 'runs:list',
  attachRun: 'runs:attach',
  resumeRun: 'runs:resume',
  openRun: 'runs:open',
  parseFile: 'file:parse',
  pickFile: 'file:pick',
  saveFile: 'file:save',
  recentFiles: 'file:recent',
  openRecent: 'file:openRecent',
  exportReport: 'report:export',
  listModels: 'scan:models',
  startScan: 'scan:start',
  scanStatus: 'scan:status',
  cancelScan: 'scan:cancel',
} as const;

/** The event channel (Electron) / WebSocket message type. */
export const SWEEP_EVENT_CHANNEL = 'sweep:event';

export type RequestMethod = keyof typeof CHANNELS;
