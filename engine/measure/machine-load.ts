import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

/** Cores' worth of CPU that other processes may use during a point before it is marked busy. */
export const BUSY_OTHER_CORES = 0.5;

export interface MachineLoad {
  /** The 1-minute load average at the end of the point. */
  loadAvg1: number;
  /** Cores' worth of CPU used by other processes during the point (Linux: /proc/stat minus our own). */
  otherCpuCores?: number;
  /** Other work competed for the CPU: otherCpuCores ≥ BUSY_OTHER_CORES, or, where that is unknown, load above the core count. */
  busy: boolean;
}

/** Busy CPU time of the whole machine in seconds (Linux), or undefined where /proc/stat is absent. */
function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    // /proc/stat counts in USER_HZ, 100 per second on every Linux that Node supports.
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used (Linux: /proc/PID/stat), 0 once it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Watches the machine while a point is measured: call at the start, and the returned function at the
 * end. This process's own CPU (all its threads) is subtracted from the machine's, and so is the CPU of
 * `helpers`, the processes measuring for it (a PyTorch worker).
 *
 * @example const done = watchMachineLoad([worker.pid]); await measure(); const load = done();
 */
export function watchMachineLoad(helpers: readonly number[] = []): () => MachineLoad {
  const ownCpuSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6 + helpers.reduce((s, pid) => s + processCpuSeconds(pid), 0);
  };
  const started = performance.now();
  const machine0 = machineBusySeconds();
  const own0 = ownCpuSeconds();
  return () => {
    const wallSeconds = (performance.now() - started) / 1000;
    const machine1 = machineBusySeconds();
    const loadAvg1 = loadavg()[0] ?? 0;
    let otherCpuCores: number | undefined;
    // Below 0.1 s the 10 ms jiffies of /proc/stat are too coarse to say anything.
    if (machine0 !== undefined && machine1 !== undefined && wallSeconds >= 0.1) {
      otherCpuCores = Math.max(0, (machine1 - machine0 - (ownCpuSeconds() - own0)) / wallSeconds);
    }
    const busy = otherCpuCores !== undefined ? otherCpuCores >= BUSY_OTHER_CORES : loadAvg1 > cpus().length;
    return { loadAvg1, ...(otherCpuCores !== undefined ? { otherCpuCores: Math.round(otherCpuCores * 100) / 100 } : {}), busy };
  };
}
