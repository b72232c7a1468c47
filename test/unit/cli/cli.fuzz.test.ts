import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../main/cli/index.js';
import { deepJson, profileText } from '../fuzz-inputs.js';

/**
 * Issue #17: the CLI's file inputs and flags fuzzed as the web host is (web-host.fuzz.test.ts). Every
 * hostile invocation ends in 0, 1 or 2 with one line per problem: never exit 3, a stack trace, a hang.
 */
const TIME_MS = Number(process.env.FUSEBENCH_FUZZ_MS ?? 6_000);
const dir = mkdtempSync(join(tmpdir(), 'fb-cli-fuzz-'));
const at = (name: string) => join(dir, name);

/** Files a user (or an attacker) could name: devices, FIFOs, folders, garbage and near-valid files. */
const golden = (f: string) => readFileSync(`test/golden/${f}`);
const safetensorsHeader = (json: string, extra = 0) => {
  const b = Buffer.alloc(8 + json.length + extra);
  b.writeBigUInt64LE(BigInt(json.length));
  b.write(json, 8);
  return b;
};
const FILES: Record<string, Buffer | string | null> = {
  'empty.safetensors': Buffer.alloc(0),
  'garbage.safetensors': Buffer.from('not a safetensors file at all'),
  'short.safetensors': golden('gmp.input.safetensors').subarray(0, 40),
  'huge-header.safetensors': Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
  'proto.safetensors': safetensorsHeader('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4),
  'deep.safetensors': safetensorsHeader(deepJson(5_000)),
  'bad-dtype.safetensors': safetensorsHeader('{"t":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}', 1),
  'gmp.input.safetensors': golden('gmp.input.safetensors'),
  'bn.weights.safetensors': golden('batchnorm.weights.safetensors'),
  'profile.json': readFileSync('profiles/smoke.profile.json'),
  'deep.json': deepJson(100_000),
  'results.sweep.json': '{"schemaVersion": 3, "points": []}',
  folder: null,
};
for (const [name, content] of Object.entries(FILES)) {
  if (content === null) mkdirSync(at(name));
  else writeFileSync(at(name), content);
}
execFileSync('mkfifo', [at('fifo')]);

const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(FILES), 'fifo', 'missing.safetensors').map(at) },
  { weight: 1, arbitrary: fc.constantFrom('/dev/zero', '/dev/null', '/proc/self/environ', '', '-', '--', '.') },
);
const json = fc.oneof(
  fc.constantFrom('{}', '{"groups": 2}', '{"groups": 0}', '{"__proto__": {"groups": 2}}', '[]', 'null', '1', '{', '{"groups": 1e309}'),
  fc.integer({ min: 60, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  profileText,
);
const value = fc.oneof(
  json,
  path,
  fc.constantFrom(
    'gmp',
    'batchnorm',
    'nope',
    'wasm',
    'cpu',
    'torch',
    'webgpu',
    'training',
    'inference',
    'parallel.fusedMax',
    'serial',
    'cuda:7',
    '-1',
    '1e9',
  ),
  fc.string({ maxLength: 30 }),
);
const FLAGS = [
  '--family',
  '--config',
  '--weights',
  '--from',
  '--prefix',
  '--input',
  '--expected',
  '--implementation',
  '--mode',
  '--backend',
  '--seed',
  '--to',
  '--format',
  '--out',
  '--json',
  '--max-points',
  '--resume',
];
const flag = fc.tuple(fc.constantFrom(...FLAGS), value).map(([f, v]) => (f === '--json' || f === '--resume' ? [f] : [f, v]));
// `sweep` and `serve` start engines and servers; they are fuzzed through their files and flags elsewhere.
const command = fc.constantFrom('families', 'formulas', 'verify', 'convert', 'forward', 'report');
// --out only into the fuzz folder: the CLI may write where it is told.
const invocation = fc
  .tuple(command, fc.array(flag, { maxLength: 6 }), fc.array(path, { maxLength: 2 }))
  .map(([c, flags, positionals]) => [c, ...flags.flatMap((f) => (f[0] === '--out' ? ['--out', at('out')] : f)), ...positionals]);

describe('CLI under fuzzing (fast-check, bounded time)', () => {
  it('answers every hostile invocation with 0, 1 or 2 and one line per problem: never exit 3, a stack or a hang', async () => {
    let tried = 0;
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(invocation, async (argv) => {
        tried++;
        const err: string[] = [];
        const code = await main(
          argv,
          () => undefined,
          (t) => void err.push(t),
        );
        codes.set(code, (codes.get(code) ?? 0) + 1);
        const text = err.join('\n');
        expect(code, `${JSON.stringify(argv).slice(0, 300)} → ${text.slice(0, 300)}`).toBeLessThanOrEqual(2);
        expect(text).not.toMatch(/internal error|\n\s+at |Maximum call stack/);
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: TIME_MS, seed: Number(process.env.FUSEBENCH_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.log(`[fuzz] CLI: ${tried} invocations, exit codes ${JSON.stringify(Object.fromEntries(codes))}, 0 stack traces, 0 hangs`);
    expect(tried).toBeGreaterThan(20);
  }, 120_000);
});
