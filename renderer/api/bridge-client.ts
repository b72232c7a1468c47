import type { RequestMethod, WorkbenchApi, WorkbenchBridge } from '../../main/api';
import { HostError, isReply, unwrapReply } from './reply';

/**
 * The WorkbenchApi over the Electron preload's bridge (`window.fusebench`), whose methods resolve with
 * replies; each is unwrapped like the web client's (renderer/api/reply.ts).
 */
export function createBridgeClient(bridge: WorkbenchBridge): WorkbenchApi {
  const call =
    <M extends RequestMethod>(method: M) =>
    async (...args: Parameters<WorkbenchApi[M]>): Promise<Awaited<ReturnType<WorkbenchApi[M]>>> => {
      const reply: unknown = await (bridge[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      if (!isReply(reply)) throw new HostError(`${method}: the desktop host sent an unexpected reply`, 'protocol');
      return unwrapReply(reply) as Awaited<ReturnType<WorkbenchApi[M]>>;
    };
  return {
    families: call('families'),
    environment: call('environment'),
    validateProfile: call('validateProfile'),
    startSweep: call('startSweep'),
    cancelSweep: call('cancelSweep'),
    listRuns: call('listRuns'),
    attachRun: call('attachRun'),
    resumeRun: call('resumeRun'),
    openRun: call('openRun'),
    parseFile: call('parseFile'),
    pickFile: call('pickFile'),
    saveFile: call('saveFile'),
    recentFiles: call('recentFiles'),
    openRecent: call('openRecent'),
    exportReport: call('exportReport'),
    listModels: call('listModels'),
    startScan: call('startScan'),
    scanStatus: call('scanStatus'),
    cancelScan: call('cancelScan'),
    onSweepEvent: (listener) => bridge.onSweepEvent(listener),
  } satisfies WorkbenchApi;
}
