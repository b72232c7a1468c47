import { execFile } from 'node:child_process';
import { z } from 'zod';
import type { BackendInfo } from '../core/backend-names.js';

/** The oldest PyTorch the worker is written for (torch.frombuffer, persistent=False buffers, einsum). */
export const MIN_TORCH = [1, 13] as const;

/** The worker's modules use built-in generic types at run time (`dict[str, Tensor]`). */
export const MIN_PYTHON = [3, 9] as const;

/** A Python that imports torch, as found by findTorchPython. */
export interface TorchPython {
  /** The interpreter to start (sys.executable of the probe). */
  python: string;
  pythonVersion: string;
  torch: string;
  /** The CUDA version torch was built for; null for a CPU build. */
  cuda: string | null;
  cudaAvailable: boolean;
  /** CUDA device 0's name where CUDA is available. */
  deviceName: string | null;
}

export type TorchProbe = { found: true; python: TorchPython } | { found: false; reason: string };

const PROBE = `
import json, platform, sys
try:
    import torch
except Exception as e:
    print(json.dumps({"python": platform.python_version(), "executable": sys.executable, "error": type(e).__name__ + ": " + str(e)}))
    sys.exit(0)
cuda = torch.cuda.is_available()
print(json.dumps({"python": platform.python_version(), "executable": sys.executable, "torch": torch.__version__,
                  "cuda": torch.version.cuda, "cudaAvailable": cuda, "deviceName": torch.cuda.get_device_name(0) if cuda else None}))
`;

const probeSchema = z.object({
  python: z.string(),
  executable: z.string(),
  error: z.string().optional(),
  torch: z.string().optional(),
  cuda: z.string().nullable().optional(),
  cudaAvailable: z.boolean().optional(),
  deviceName: z.string().nullable().optional(),
});

/** `2.1.0+cu121` → [2, 1] (torch or Python versions); undefined when it does not start with major.minor. */
export function torchVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function atLeast(v: [number, number], min: readonly [number, number]): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

/** Runs the probe with one interpreter: what it has, or why it will not do. */
export function probePython(command: string, timeoutMs = 60_000): Promise<TorchProbe> {
  return new Promise((resolve) => {
    execFile(command, ['-c', PROBE], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ found: false, reason: `${command}: not found` });
      if (err) {
        const why = err.killed ? `did not answer within ${timeoutMs / 1000} s` : (stderr.trim().split('\n').pop() ?? err.message);
        return resolve({ found: false, reason: `${command}: ${why}` });
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      let parsed: z.infer<typeof probeSchema>;
      try {
        parsed = probeSchema.parse(JSON.parse(line));
      } catch {
        return resolve({ found: false, reason: `${command}: is this Python? it printed ${JSON.stringify(line.slice(0, 80))}` });
      }
      if (parsed.error || !parsed.torch) {
        return resolve({
          found: false,
          reason: `${command} (Python ${parsed.python}): cannot import torch (${parsed.error ?? 'unknown'})`,
        });
      }
      const py = torchVersion(parsed.python);
      if (!py || !atLeast(py, MIN_PYTHON)) {
        return resolve({ found: false, reason: `${command}: Python ${parsed.python} is older than ${MIN_PYTHON.join('.')}` });
      }
      const version = torchVersion(parsed.torch);
      if (!version || !atLeast(version, MIN_TORCH)) {
        return resolve({ found: false, reason: `${command}: torch ${parsed.torch} is older than ${MIN_TORCH.join('.')}` });
      }
      resolve({
        found: true,
        python: {
          python: parsed.executable || command,
          pythonVersion: parsed.python,
          torch: parsed.torch,
          cuda: parsed.cuda ?? null,
          cudaAvailable: parsed.cudaAvailable ?? false,
          deviceName: parsed.deviceName ?? null,
        },
      });
    });
  });
}

/** The interpreters tried, in order: FUSEBENCH_PYTHON alone when set, else python3 on PATH, then /usr/bin/python3. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env.FUSEBENCH_PYTHON?.trim();
  return chosen ? [chosen] : ['python3', '/usr/bin/python3'];
}

const HOW_TO =
  'install PyTorch ≥ 1.13 (Debian: apt-get install python3-torch; or pip install torch in a venv) or point FUSEBENCH_PYTHON at a Python that has it, e.g. FUSEBENCH_PYTHON=/path/to/venv/bin/python';

/**
 * The first Python that imports torch ≥ 1.13, or every candidate's reason and the fix.
 *
 * @example const probe = await findTorchPython(); if (probe.found) console.log(probe.python.torch);
 */
export async function findTorchPython(env: NodeJS.ProcessEnv = process.env): Promise<TorchProbe> {
  const reasons: string[] = [];
  for (const command of pythonCandidates(env)) {
    const probe = await probePython(command);
    if (probe.found) return probe;
    reasons.push(probe.reason);
  }
  const via = env.FUSEBENCH_PYTHON?.trim() ? ' (FUSEBENCH_PYTHON)' : '';
  return { found: false, reason: `no Python with torch${via}: ${reasons.join('; ')}; ${HOW_TO}` };
}

/** The torch backend as `fusebench env` lists it: version, CUDA version and device, or why not. */
export function torchBackendInfo(probe: TorchProbe): BackendInfo {
  if (!probe.found) return { name: 'torch', available: false, reason: probe.reason, kernelTiming: 'host' };
  const p = probe.python;
  const where = p.cudaAvailable
    ? `CUDA ${p.cuda} · ${p.deviceName ?? 'cuda:0'}`
    : `CPU (no CUDA: ${p.cuda ? `torch built for CUDA ${p.cuda} but no device is visible` : 'a CPU-only build'})`;
  return {
    name: 'torch',
    available: true,
    device: `PyTorch ${p.torch} · ${where} · ${p.python} (Python ${p.pythonVersion})`,
    kernelTiming: p.cudaAvailable ? 'device' : 'host',
  };
}
