import { describeError, FusebenchError } from '../../engine/common.js';
import { envCommand, familiesCommand, formulasCommand, verifyCommand } from './engine-commands.js';
import { reportCommand, sweepCommand } from './sweep-commands.js';
import { mergeCommand } from './merge-command.js';
import { serveCommand } from '../web/serve-command.js';
import { convertCommand, forwardCommand } from './weights-commands.js';
import { scanCommand } from './scan-command.js';

const HELP = `fusebench — is the fused (parallel) layer faster, by how much, and is it still the same function?

  fusebench families [--json]
  fusebench formulas --family F [--config JSON] [--json]
  fusebench verify [--family F] [--config JSON] [--weights W.safetensors [--from IMPL] [--prefix NAME.]]
                   [--input X.safetensors --expected Y.safetensors] [--backend B] [--device D] [--mode inference|training] [--seed N] [--json]
  fusebench convert --family F [--config JSON] [--from serial|IMPL] [--prefix NAME.] --to IMPL|serial IN.safetensors OUT.safetensors
  fusebench forward --family F [--config JSON] --implementation IMPL [--weights W.safetensors [--from IMPL] [--prefix NAME.]]
                    --input X.safetensors [--mode inference|training] [--backend B] [--device D] --out Y.safetensors
  fusebench env [--json]
  fusebench sweep PROFILE [--backend B] [--device D] [--out DIR] [--resume] [--max-points N] [--shard i/N] [--json]
  fusebench merge DIR... --out DIR [--allow-partial] [--json]   one results file from the shards of a sweep
  fusebench report RESULTS --format html|csv|md|json|svg [--out PATH]
  fusebench serve [--port N] [--open] [--workspace DIR]   the UI in a browser, on 127.0.0.1 with a token
  fusebench scan FILE.py:ClassName --input-shape B,C,H,W [--kwargs JSON] [--weights W.safetensors|W.pt] [--backend torch]
                 [--device D] [--mode inference|training|both] [--measure [--passes N] [--keep-slower]] [--seed N] [--out DIR] [--json]
                 find the loops over identical branches in your PyTorch model, rewrite them fused, prove and time it

Backends: wasm (default), cpu, webgpu, tensorflow, torch (a PyTorch worker: FUSEBENCH_PYTHON, python3 or /usr/bin/python3
with torch ≥ 1.13; --device auto|cpu|cuda:N). Weights files are safetensors in PyTorch names (docs/pytorch.md); a
DataParallel 'module.' prefix is stripped, --prefix takes one submodule of a whole model's state dict, and --config
may be left out for files Fusebench wrote (they record it).
Exit status: 0 ok, 1 a check failed (or sweep points could not be measured), 2 bad input, 3 internal error (a bug),
130 interrupted (Ctrl-C).`;

/** Each command's usage, from HELP: `fusebench <command> --help` prints its lines and exits 0. */
export function commandUsage(name: string): string | undefined {
  const lines = HELP.split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith(`fusebench ${name} `) || l.trim() === `fusebench ${name}`);
  if (start < 0) return undefined;
  const usage = [lines[start]!.trim()];
  // Continuation lines are indented further than the command lines.
  for (const l of lines.slice(start + 1)) {
    if (!/^ {4,}\S/.test(l) || l.trim().startsWith('fusebench ')) break;
    usage.push(`  ${l.trim()}`);
  }
  return `usage: ${usage.join('\n')}\n\nExit status: 0 ok, 1 a check failed, 2 bad input, 3 internal error, 130 interrupted. All commands: fusebench --help`;
}

type Command = (argv: string[], out: (t: string) => void, err: (t: string) => void) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  families: familiesCommand,
  formulas: formulasCommand,
  verify: verifyCommand,
  convert: convertCommand,
  forward: forwardCommand,
  env: envCommand,
  sweep: sweepCommand,
  report: reportCommand,
  merge: mergeCommand,
  serve: serveCommand,
  scan: scanCommand,
};

/** Runs one CLI invocation; returns the exit status. Bad input is one line on stderr, never a stack. */
export async function main(
  argv: string[],
  out = (t: string) => void process.stdout.write(`${t}\n`),
  err = (t: string) => void process.stderr.write(`${t}\n`),
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`fusebench: unknown command '${name}'; use one of ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  // Before the command parses its options: `--help` is never an unknown option.
  if (rest.includes('--help') || rest.includes('-h')) {
    out(commandUsage(name) ?? HELP);
    return 0;
  }
  try {
    return await command(rest, out, err);
  } catch (e) {
    if (e instanceof FusebenchError) {
      err(`fusebench ${name}: ${e.message}`);
      return 2;
    }
    err(`fusebench ${name}: internal error, please report it: ${describeError(e)}`);
    if (e instanceof Error && e.stack) err(e.stack);
    return 3;
  }
}

// `fusebench families | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
