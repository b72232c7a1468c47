import type { BackendName } from '../core/backend-names.js';
import { useBackend } from '../backends/node.js';
import { measureTorchGroup } from '../torch/measure-torch.js';
import { TorchError, TorchWorker, type TorchDevice } from '../torch/worker-process.js';
import type { ImplementationInfo, Mode } from '../core/types.js';
import { getFamily } from '../families/index.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { measureGroup } from '../measure/measure-group.js';
import type { PassSpec } from '../measure/passes.js';
import type { PlannedGroup } from './expand.js';

/** One pass of one group, by names and plain data, as it crosses to a pass process. */
export interface PassRequest {
  family: string;
  backend: BackendName;
  mode: Mode;
  config: Record<string, unknown>;
  implementations: ImplementationInfo[];
  settings: MeasureSettings;
  pass: PassSpec;
  /** Where the torch backend runs (`auto`: CUDA when present). */
  torchDevice: TorchDevice;
}

/** The plain fields of an implementation (a TensorFlow.js one also holds its functions, which stay behind). */
function implementationInfo(i: ImplementationInfo): ImplementationInfo {
  return { name: i.name, role: i.role, summary: i.summary, primitive: i.primitive, ...(i.baseline ? { baseline: i.baseline } : {}) };
}

/** The request for one pass of a planned (valid) group. */
export function passRequest(
  group: PlannedGroup,
  settings: MeasureSettings,
  pass: PassSpec,
  torchDevice: TorchDevice = 'auto',
): PassRequest {
  return {
    family: group.family.name,
    backend: group.backend,
    mode: group.mode,
    config: group.config!,
    implementations: group.implementations.map(implementationInfo),
    settings,
    pass,
    torchDevice,
  };
}

/**
 * Measures passes in this process (DESIGN.md §4.9): TensorFlow.js backends here, torch in this
 * process's own PyTorch worker, started on the first torch pass and replaced after a failure. A pass
 * process runs one of these; so do tests of the sweep's logic.
 *
 * @example const m = passMeasurer(); const records = await m.measure(request); await m.dispose();
 */
export function passMeasurer(): {
  measure(request: PassRequest, signal?: AbortSignal): Promise<PointRecord[]>;
  /** Starts this process's PyTorch worker now, before any pass is timed (a start takes a second or so). */
  startTorch(device: TorchDevice): Promise<void>;
  dispose(): Promise<void>;
} {
  let worker: TorchWorker | undefined;
  return {
    async startTorch(device) {
      worker ??= await TorchWorker.start({ device });
    },
    async measure(request, signal) {
      const backend = await useBackend(request.backend);
      const group = {
        family: getFamily(request.family),
        config: request.config,
        mode: request.mode,
        backend,
        implementations: request.implementations,
      };
      if (request.backend !== 'torch') return measureGroup(group, request.settings, signal, request.pass);
      worker ??= await TorchWorker.start({ device: request.torchDevice });
      try {
        return await measureTorchGroup(group, request.settings, worker, signal, request.pass);
      } catch (e) {
        if (e instanceof TorchError) {
          await worker.dispose();
          worker = undefined;
        }
        throw e;
      }
    },
    dispose: async () => worker?.dispose(),
  };
}
