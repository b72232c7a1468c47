/**
 * A pass process (DESIGN.md §4.9): measures passes of point groups for the sweep that started it, one
 * at a time, in a heap of its own, so that the passes of a point are independent the way reruns are.
 * It runs as a forked child process (the CLI and the web host) or, where the host cannot fork a plain
 * Node (Electron with its runAsNode fuse off), as a worker thread. The sweep stops it by killing it.
 */
import { parentPort } from 'node:worker_threads';
import { describeError } from '../core/errors.js';
import { passMeasurer } from '../sweep/measure-pass.js';
import type { FromPass, ToPass } from '../sweep/pass-protocol.js';

interface Port {
  postMessage(message: FromPass): void;
  on(event: 'message', listener: (message: ToPass) => void): void;
}

function processPort(): Port | undefined {
  const send = process.send?.bind(process);
  if (!send) return undefined;
  return { postMessage: (m) => void send(m), on: (_event, listener) => void process.on('message', listener) };
}

const port = (parentPort ?? processPort()) as Port | undefined;
if (!port) throw new Error('engine-pass must run as a forked child process or a worker_thread');

const measurer = passMeasurer();
let queue = Promise.resolve();
port.on('message', (message) => {
  queue = queue.then(async () => {
    try {
      if (message.type === 'prepare') {
        if (message.torchDevice) await measurer.startTorch(message.torchDevice);
        port.postMessage({ type: 'prepared', id: message.id });
      } else {
        port.postMessage({ type: 'measured', id: message.id, records: await measurer.measure(message.request) });
      }
    } catch (e) {
      port.postMessage({ type: 'failed', id: message.id, message: describeError(e) });
    }
  });
});
// Without a channel the sweep is gone: stop, with the PyTorch worker this process started.
process.on('disconnect', () => void measurer.dispose().finally(() => process.exit(0)));
