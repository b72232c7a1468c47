import { findTorchPython, type TorchPython } from '../../../engine/backends/torch-python.js';

/**
 * The Python with torch these tests use, found as the engine finds it. Where there is none the torch
 * tests skip, and say why once per file (scripts/setup.sh installs Debian's python3-torch as root).
 */
const probe = await findTorchPython();
export const TORCH: TorchPython | undefined = probe.found ? probe.python : undefined;
export const NO_TORCH_REASON = probe.found ? '' : probe.reason;

export function reportSkip(file: string): void {
  if (!TORCH) console.warn(`${file}: torch tests skipped: ${NO_TORCH_REASON}`);
}

/** Children of this process that are zombies (exited, never reaped): there must be none. */
export async function zombieChildren(): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const zombies: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …; comm may hold spaces, so parse after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === process.pid && state === 'Z') zombies.push(Number(entry));
  }
  return zombies;
}
