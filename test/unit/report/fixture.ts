import type { PointRecord, SweepResults } from '../../../engine/files/schemas.js';
import { pointKey } from '../../../engine/core/point-key.js';
import { summarize } from '../../../engine/stats/sample-stats.js';
import { pairedSpeedup, roundRatios } from '../../../engine/stats/paired.js';
import { PROFILE_SCHEMA_VERSION, RESULTS_SCHEMA_VERSION } from '../../../engine/files/schemas.js';

// A realistic small sweep: bottleneck over groups [1, 2, 4] × batch [1, 2] with three implementations
// (one parallel point not equivalent, one invalid, one error) and gmp over channels only.

export const PROFILE_NAME = 'Bottleneck <script>alert("x")</script> & gmp';
export const ERROR_MESSAGE = 'WebAssembly.Memory(): could not allocate memory, "grow" failed\n    at conv2d (wasm)';
export const INVALID_MESSAGE = 'parallel.im2colBatchedMatmul: im2col buffer of 5.2 GB exceeds the 4 GB wasm heap; lower batch or channels';

const SERIAL = 'serial.branchLoop';
const IM2COL = 'parallel.im2colBatchedMatmul';
const BLOCKDIAG = 'parallel.blockDiagonalConv';

/** Median ms per implementation at `g<groups>b<batch>`; absent entries are the failing points. */
export const BOTTLENECK_MEDIANS: Record<string, Record<string, number>> = {
  [SERIAL]: { g1b1: 2.0, g1b2: 3.8, g2b1: 4.0, g2b2: 7.6, g4b1: 8.0, g4b2: 15.2 },
  [IM2COL]: { g1b1: 2.6, g1b2: 4.6, g2b1: 4.4, g2b2: 8.0, g4b1: 3.5 },
  // g2b2 is fast but not equivalent: it must not produce a crossover at groups 2.
  [BLOCKDIAG]: { g1b1: 3.0, g1b2: 5.0, g2b1: 4.5, g2b2: 5.0, g4b2: 9.0 },
};

const SPREAD = [0.97, 1.04, 1.0, 0.99, 1.01, 1.08, 0.98];

/** Seven samples whose median is exactly `median`, with a little spread; `shift` rotates the spread (other rounds' noise). */
export function samplesAround(median: number, shift = 0): number[] {
  return SPREAD.map((_, i) => median * SPREAD[(i + shift) % SPREAD.length]!);
}

interface Spec {
  family: string;
  implementation: string;
  config: Record<string, unknown>;
  status?: PointRecord['status'];
  median?: number;
  message?: string;
  relErr?: number;
  params: number;
  flops: number;
  serialMedian?: number;
}

function point(spec: Spec): PointRecord {
  const role = spec.implementation.startsWith('serial.') ? 'serial' : 'parallel';
  const base = {
    key: pointKey(spec.family, spec.implementation, 'inference', 'wasm', spec.config),
    family: spec.family,
    implementation: spec.implementation,
    role,
    mode: 'inference',
    backend: 'wasm',
    config: spec.config,
    finishedAt: '2025-11-26T14:30:00.000Z',
  } as const;
  const status = spec.status ?? 'ok';
  if (status !== 'ok' || spec.median === undefined) return { ...base, status, ...(spec.message ? { message: spec.message } : {}) };
  const samplesMs = samplesAround(spec.median, role === 'parallel' ? 1 : 0);
  const s = summarize(samplesMs);
  const relErr = role === 'serial' ? 0 : (spec.relErr ?? 2.4e-7);
  const pass = relErr <= 1e-5;
  const stored = spec.implementation === BLOCKDIAG ? spec.params * 2 : spec.params;
  const predicted = spec.flops * 4;
  const record: PointRecord = {
    ...base,
    status,
    params: { counted: spec.params, formula: spec.params, stored },
    flops: {
      useful: spec.flops,
      executed: spec.implementation === BLOCKDIAG ? spec.flops * 2 : spec.flops,
      achievedPerSecond: spec.flops / (s.medianMs / 1000),
    },
    memory: {
      peakBytes: Math.round(predicted * 1.3),
      source: 'wasm-heap',
      tfjsPeakBytes: Math.round(predicted * 1.2),
      predictedPeakBytes: predicted,
      newTensors: 1,
      kernelCount: role === 'serial' ? 40 : 8,
      kernels: [{ name: 'Conv2D', count: role === 'serial' ? 12 : 3, outputBytes: predicted / 2 }],
    },
    time: {
      samplesMs,
      medianMs: s.medianMs,
      iqrMs: s.iqrMs,
      relIqr: s.relIqr,
      minMs: s.minMs,
      meanMs: s.meanMs,
      n: s.n,
      blockSize: 1,
      firstCallMs: spec.median * 9,
      firstCallWhere: 'gate',
      warmupCalls: 3,
      kernelTiming: 'host',
      stopReason: 'converged',
    },
    equivalence: { relErr, maxAbs: relErr * 3, pass, tolerance: 1e-5, seed: 7 },
  };
  if (!pass) record.message = `not equivalent: relErr ${relErr} > 1e-5`;
  if (role === 'parallel') record.baseline = spec.family === 'gmp' ? 'serial.sliceMaxLoop' : SERIAL;
  if (role === 'parallel' && pass && spec.serialMedian !== undefined) {
    const e = pairedSpeedup(roundRatios(samplesAround(spec.serialMedian), samplesMs), 7);
    Object.assign(record, { speedup: e.speedup, speedupLow: e.speedupLow, speedupHigh: e.speedupHigh, verdict: e.verdict });
  }
  return record;
}

function bottleneckPoints(medians: Record<string, Record<string, number>>): PointRecord[] {
  const points: PointRecord[] = [];
  for (const groups of [1, 2, 4]) {
    for (const batch of [1, 2]) {
      const cell = `g${groups}b${batch}`;
      const config = { batch, groups, channels: 64, height: 8, width: 8, squeeze: 2 };
      for (const implementation of [SERIAL, IM2COL, BLOCKDIAG]) {
        const spec: Spec = {
          family: 'bottleneck',
          implementation,
          config,
          params: groups * 11_264,
          flops: groups * batch * 2_883_584,
        };
        const median = medians[implementation]?.[cell];
        if (median !== undefined) spec.median = median;
        const serialMedian = medians[SERIAL]?.[cell];
        if (serialMedian !== undefined) spec.serialMedian = serialMedian;
        if (implementation === BLOCKDIAG && cell === 'g2b2') spec.relErr = 3.2e-3;
        if (implementation === IM2COL && cell === 'g4b2') Object.assign(spec, { status: 'invalid', message: INVALID_MESSAGE });
        if (implementation === BLOCKDIAG && cell === 'g4b1') Object.assign(spec, { status: 'error', message: ERROR_MESSAGE });
        points.push(point(spec));
      }
    }
  }
  return points;
}

function gmpPoints(): PointRecord[] {
  const medians: Record<string, Record<number, number>> = {
    'serial.sliceMaxLoop': { 64: 1.2, 128: 2.3 },
    'parallel.fusedMax': { 64: 0.4, 128: 0.7 },
  };
  return [64, 128].flatMap((channels) =>
    Object.keys(medians).map((implementation) =>
      point({
        family: 'gmp',
        implementation,
        config: { batch: 1, groups: 12, channels, height: 8, width: 8 },
        median: medians[implementation]?.[channels] as number,
        serialMedian: medians['serial.sliceMaxLoop']?.[channels] as number,
        params: 0,
        flops: 12 * channels * 64,
      }),
    ),
  );
}

/** The fixture, optionally with other bottleneck medians (e.g. every parallel one slower than serial). */
export function buildFixture(medians: Record<string, Record<string, number>> = BOTTLENECK_MEDIANS): SweepResults {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'fusebench', version: '0.1.0' },
    createdAt: '2025-11-26T14:20:00.000Z',
    finishedAt: '2025-11-26T14:31:00.000Z',
    complete: true,
    profile: {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      name: PROFILE_NAME,
      description: 'Groups × batch on wasm; the "quick" profile <b>for tests</b>.',
      families: ['bottleneck', { family: 'gmp', axes: { channels: [64, 128], groups: [12], batch: [1] } }],
      backends: ['wasm'],
      modes: ['inference'],
      axes: { groups: [1, 2, 4], batch: [1, 2] },
      fixed: { channels: 64, height: 8, width: 8 },
      measure: {
        warmupMs: 200,
        minSamples: 7,
        maxSamples: 50,
        targetCiWidth: 0.05,
        maxMsPerPoint: 5000,
        seed: 7,
        memory: true,
        minPasses: 2,
        maxPasses: 5,
      },
    },
    environment: {
      tool: 'fusebench',
      toolVersion: '0.1.0',
      os: 'linux 6.1.0 x64',
      cpu: 'AMD EPYC 7B13',
      cores: 2,
      memoryBytes: 8 * 1024 ** 3,
      node: 'v20.19.0',
      tfjs: '4.22.0',
      backends: [
        { name: 'wasm', available: true, kernelTiming: 'host' },
        { name: 'cpu', available: true, kernelTiming: 'host' },
        { name: 'webgpu', available: false, reason: 'no Vulkan adapter found', kernelTiming: 'device' },
      ],
    },
    points: [...bottleneckPoints(medians), ...gmpPoints()],
  };
}

export const fixture: SweepResults = buildFixture();
export { BLOCKDIAG, IM2COL, SERIAL };

/**
 * The fixture plus a gmp form judged against a serial twin with its primitive (as maxPoolReshape is
 * against sliceMaxPoolLoop): ×5 over the twin, ×1.2 over the reference loop sliceMaxLoop (1.2 ms).
 */
export function withTwin(): SweepResults {
  const results = structuredClone(fixture);
  const added: PointRecord[] = [];
  for (const p of results.points) {
    if (p.family !== 'gmp' || p.implementation !== 'serial.sliceMaxLoop' || p.config.channels !== 64) continue;
    const copy = (implementation: string, role: 'serial' | 'parallel', median: number): PointRecord => {
      const samplesMs = samplesAround(median, role === 'parallel' ? 1 : 0);
      return {
        ...structuredClone(p),
        key: pointKey('gmp', implementation, 'inference', 'wasm', p.config),
        implementation,
        role,
        time: { ...p.time!, samplesMs, ...summarize(samplesMs) },
      };
    };
    const twin = copy('serial.sliceMaxPoolLoop', 'serial', 5.0);
    const fused = copy('parallel.maxPoolReshape', 'parallel', 1.0);
    const e = pairedSpeedup(roundRatios(twin.time!.samplesMs, fused.time!.samplesMs), 7);
    Object.assign(fused, {
      baseline: twin.implementation,
      speedup: e.speedup,
      speedupLow: e.speedupLow,
      speedupHigh: e.speedupHigh,
      verdict: e.verdict,
    });
    added.push(twin, fused);
  }
  results.points.push(...added);
  return results;
}
