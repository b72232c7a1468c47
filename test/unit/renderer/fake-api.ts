import { verdictOf } from '../../../engine/stats/paired';
import { RESULTS_SCHEMA_VERSION } from '../../../engine/files/versions';
import { vi } from 'vitest';
import type {
  Environment,
  FamilyDescriptor,
  InvalidPoints,
  OpenedFile,
  PointRecord,
  Profile,
  ProfileCheck,
  RunSnapshot,
  ModelFile,
  RunSummary,
  ScanReport,
  ScanStatus,
  SweepEvent,
  SweepResults,
  WorkbenchApi,
} from '../../../main/api';

/** A WorkbenchApi whose every method is a vi.fn with a sensible answer, and which can emit sweep events. */
export interface FakeApi extends WorkbenchApi {
  emit(event: SweepEvent): void;
  listeners: Set<(event: SweepEvent) => void>;
}

export const FAMILIES: FamilyDescriptor[] = [
  {
    name: 'bottleneck',
    title: 'Parallel bottleneck',
    summary: 'g bottlenecks → one grouped bottleneck',
    implementations: ['serial.branchLoop', 'parallel.im2colBatchedMatmul', 'parallel.blockDiagonalConv'],
    implementationDetails: [
      { name: 'serial.branchLoop', role: 'serial', summary: 'loop' },
      { name: 'parallel.im2colBatchedMatmul', role: 'parallel', summary: 'im2col' },
      { name: 'parallel.blockDiagonalConv', role: 'parallel', summary: 'block diagonal' },
    ],
    config: { batch: 32, groups: 12, channels: 512, height: 14, width: 14, squeeze: 2 },
    small: { batch: 1, groups: 2, channels: 8, height: 4, width: 4, squeeze: 2 },
  },
  {
    name: 'gmp',
    title: 'Global max pooling',
    summary: 'max per group',
    implementations: ['serial.sliceMaxLoop', 'parallel.fusedMax'],
    implementationDetails: [
      { name: 'serial.sliceMaxLoop', role: 'serial', summary: 'slices' },
      { name: 'parallel.fusedMax', role: 'parallel', summary: 'one max' },
    ],
    config: { batch: 32, groups: 12, channels: 512, height: 14, width: 14 },
    small: { batch: 1, groups: 2, channels: 8, height: 4, width: 4 },
  },
  {
    name: 'class-linear',
    title: 'Per-class Linear',
    summary: 'one Linear per class',
    implementations: ['serial.linearPerClass', 'parallel.gatherBatchedMatmul'],
    implementationDetails: [
      { name: 'serial.linearPerClass', role: 'serial', summary: 'loop' },
      { name: 'parallel.gatherBatchedMatmul', role: 'parallel', summary: 'gather' },
    ],
    config: { batch: 32, groups: 3, classesPerGroup: [5, 1, 2], groupChannels: 256, classChannels: 64 },
    small: { batch: 2, groups: 3, classesPerGroup: [2, 1, 3], groupChannels: 8, classChannels: 4 },
  },
];

export const ENVIRONMENT: Environment = {
  tool: 'fusebench',
  toolVersion: '0.1.0',
  os: 'Linux test',
  cpu: 'Test CPU',
  cores: 2,
  memoryBytes: 8 * 2 ** 30,
  node: '20.20.2',
  tfjs: '4.22.0',
  backends: [
    { name: 'wasm', available: true, device: 'CPU (WebAssembly)', kernelTiming: 'host' },
    { name: 'webgpu', available: false, reason: 'no adapter', kernelTiming: 'host' },
  ],
};

export const PROFILE: Profile = {
  schemaVersion: 2,
  name: 'unit',
  description: '',
  families: ['bottleneck'],
  backends: ['wasm'],
  modes: ['inference'],
  axes: { groups: [2, 4] },
  fixed: { channels: 8 },
  measure: {
    warmupMs: 10,
    minSamples: 3,
    maxSamples: 8,
    targetCiWidth: 0.2,
    maxMsPerPoint: 200,
    seed: 7,
    memory: true,
    minPasses: 2,
    maxPasses: 5,
  },
};

/** A measured point of the bottleneck family; `relErr` above tolerance makes it non-equivalent. */
export function point(
  implementation: string,
  groups: number,
  medianMs: number,
  options: { mode?: 'inference' | 'training'; relErr?: number; speedup?: number } = {},
): PointRecord {
  const role = implementation.startsWith('serial.') ? 'serial' : 'parallel';
  const mode = options.mode ?? 'inference';
  const config = { batch: 1, groups, channels: 8, height: 4, width: 4, squeeze: 2 };
  const relErr = options.relErr ?? 0;
  return {
    key: `bottleneck|${implementation}|${mode}|wasm|${JSON.stringify(config)}`,
    family: 'bottleneck',
    implementation,
    role,
    mode,
    backend: 'wasm',
    config,
    status: 'ok',
    params: { counted: 100 * groups, formula: 100 * groups, stored: 100 * groups },
    flops: { useful: 1e6 * groups, executed: 1e6 * groups, achievedPerSecond: (1e6 * groups) / (medianMs / 1000) },
    memory: {
      peakBytes: 4096 * groups,
      source: 'wasm-heap',
      tfjsPeakBytes: 4096 * groups,
      predictedPeakBytes: 4096 * groups,
      newTensors: 1,
      kernelCount: 3,
      kernels: [{ name: 'Conv2D', count: 3, outputBytes: 1024 }],
    },
    time: {
      samplesMs: [medianMs * 0.9, medianMs, medianMs * 1.1],
      medianMs,
      iqrMs: medianMs * 0.1,
      relIqr: 0.1,
      minMs: medianMs * 0.9,
      meanMs: medianMs,
      n: 3,
      blockSize: 1,
      firstCallMs: medianMs * 5,
      firstCallWhere: 'gate',
      warmupCalls: 2,
      kernelTiming: 'host',
      stopReason: 'converged',
    },
    ...(role === 'parallel' ? { equivalence: { relErr, maxAbs: relErr, pass: relErr <= 1e-5, tolerance: 1e-5, seed: 7 } } : {}),
    ...(role === 'parallel' ? { baseline: 'serial.branchLoop' } : {}),
    ...(role === 'parallel' && options.speedup !== undefined && relErr <= 1e-5
      ? {
          speedup: options.speedup,
          speedupLow: options.speedup * 0.95,
          speedupHigh: options.speedup * 1.05,
          verdict: verdictOf(options.speedup * 0.95, options.speedup * 1.05),
        }
      : {}),
    finishedAt: '2026-01-01T00:00:00.000Z',
  };
}

export function results(points: PointRecord[], complete = true): SweepResults {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'fusebench', version: '0.1.0' },
    createdAt: '2026-01-01T00:00:00.000Z',
    complete,
    profile: PROFILE,
    environment: ENVIRONMENT,
    points,
  };
}

export const SMALL_RESULTS = results([
  point('serial.branchLoop', 2, 2),
  point('parallel.im2colBatchedMatmul', 2, 1, { speedup: 2 }),
  point('serial.branchLoop', 4, 4),
  point('parallel.im2colBatchedMatmul', 4, 1, { speedup: 4 }),
]);

/** A host's verdict on a valid profile; `invalid` as the host sends it (the field at fault and why). */
export function okCheck(profile: Profile, points = 4, invalid: InvalidPoints[] = [], pointLimit = 10_000): ProfileCheck {
  return {
    ok: true,
    profile,
    points,
    pointLimit,
    invalidPoints: invalid.length,
    invalidReasons: invalid.map((i) => `${i.family}: ${i.message}`),
    invalid,
    estimatedMs: 1234,
  };
}

export function fakeApi(): FakeApi {
  const listeners = new Set<(event: SweepEvent) => void>();
  const api: FakeApi = {
    listeners,
    emit: (event) => listeners.forEach((l) => l(event)),
    families: vi.fn(async () => FAMILIES),
    environment: vi.fn(async () => ENVIRONMENT),
    validateProfile: vi.fn(async (profile: unknown) => okCheck(profile as Profile)),
    startSweep: vi.fn(async () => ({ runId: 'run-1' })),
    cancelSweep: vi.fn(async () => undefined),
    listRuns: vi.fn(async (): Promise<RunSummary[]> => []),
    attachRun: vi.fn(async (runId: string): Promise<RunSnapshot> => ({
      runId,
      id: 'unit-run1',
      profile: PROFILE,
      startedAt: '2026-01-01T00:00:00.000Z',
      progress: null,
      points: [],
    })),
    resumeRun: vi.fn(async () => ({ runId: 'run-2', id: 'unit-run1' })),
    openRun: vi.fn(async (id: string): Promise<OpenedFile> => ({ kind: 'results', name: id, results: SMALL_RESULTS })),
    onSweepEvent: vi.fn((listener: (event: SweepEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
    parseFile: vi.fn(async ({ kind, name, text }): Promise<OpenedFile> => {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        throw new Error(`${name}: is not valid JSON (it looks truncated)`);
      }
      return kind === 'profile' ? { kind, name, profile: data as Profile } : { kind, name, results: data as SweepResults };
    }),
    pickFile: vi.fn(async () => null),
    saveFile: vi.fn(async ({ name }) => ({ name, path: `/workspace/runs/${name}` })),
    recentFiles: vi.fn(async () => []),
    openRecent: vi.fn(async (path: string): Promise<OpenedFile> => ({
      kind: 'results',
      name: 'r.sweep.json',
      path,
      results: SMALL_RESULTS,
    })),
    exportReport: vi.fn(async ({ format }) => ({ name: `unit.${format}`, content: `report as ${format}` })),
    listModels: vi.fn(async (): Promise<ModelFile[]> => [{ path: 'models/net.py', classes: ['Branch', 'Net'] }]),
    startScan: vi.fn(async () => ({ scanId: 'scan-1' })),
    scanStatus: vi.fn(async (scanId: string): Promise<ScanStatus> => ({
      scanId,
      state: 'done',
      report: SCAN_REPORT,
      folder: 'runs/scan-Net-1',
    })),
    cancelScan: vi.fn(async () => undefined),
  };
  return api;
}

const proof = (pass: boolean) => ({
  pass,
  tolerance: 1e-8,
  seed: 0,
  modes: (['inference', 'training'] as const).map((mode) => ({
    mode,
    pass,
    float64: { output: 1e-16, inputGrad: 2e-16, weightGrad: 3e-16, statistics: 0 },
    float32: { output: 1e-7, inputGrad: 2e-7, weightGrad: 3e-7, statistics: 0 },
  })),
});

/** A measured scan of a model with one fused site and one refused one (docs/scan.md). */
export const SCAN_REPORT: ScanReport = {
  model: 'net.py:Net',
  inputShape: [2, 8, 5, 4],
  modes: ['inference', 'training'],
  device: 'cpu',
  torch: '1.13.0',
  passes: 3,
  sites: [
    {
      path: 'branches',
      pattern: 'identical-branches',
      branches: 4,
      family: 'bottleneck',
      implementation: 'parallel.groupedConv',
      config: { groups: 4, channels: 8 },
      fusable: true,
      input: { kind: 'shared' },
      output: { kind: 'cat', dim: 1 },
      members: ['branches.0', 'branches.1', 'branches.2', 'branches.3'],
      proof: proof(true),
      module: 'fused_branches',
      mode: 'training',
      speedup: 1.9,
      speedupLow: 1.8,
      speedupHigh: 2.0,
      verdict: 'faster',
    },
    {
      path: 'paths',
      pattern: 'identical-branches',
      branches: 3,
      family: null,
      implementation: null,
      config: null,
      fusable: false,
      reason: 'kernel sizes differ: 1, 3, 5',
      input: { kind: 'shared' },
      output: { kind: 'cat', dim: 1 },
      members: ['paths.0', 'paths.1', 'paths.2'],
      module: null,
    },
  ],
  whole: {
    sitesFused: ['branches'],
    proof: proof(true),
    relErr: 3e-7,
    inputGradRelErr: 4e-7,
    params: { original: 1000, fused: 1000 },
    mode: 'training',
    speedup: 1.7,
    speedupLow: 1.6,
    speedupHigh: 1.8,
    verdict: 'faster',
  },
  modules: [
    { path: '', type: 'Net', params: 0 },
    { path: 'branches', type: 'ModuleList', params: 0 },
    { path: 'branches.0', type: 'Branch', params: 0 },
    { path: 'paths', type: 'ModuleList', params: 0 },
  ],
  files: { model: '/w/runs/scan-Net-1/fused_model.py' },
  seconds: 3,
};

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
