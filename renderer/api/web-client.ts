import type { RequestMethod, SweepEvent, WorkbenchApi } from '../../main/api';
import { HostError, isReply, unwrapReply } from './reply';

export { HostError };

export interface WebClientOptions {
  /** The host's origin, e.g. `http://127.0.0.1:5123`. */
  origin: string;
  token: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** First reconnect delay of the event socket; doubles up to 10 s. */
  reconnectMs?: number;
}

const SWEEP_EVENT_TYPES = new Set(['progress', 'point', 'finished', 'failed']);

function isSweepEvent(value: unknown): value is SweepEvent {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.runId === 'string' && typeof v.type === 'string' && SWEEP_EVENT_TYPES.has(v.type);
}

/**
 * The WorkbenchApi over the web host: `POST /api/<method>` with `{args}` and the session token, events
 * on one shared WebSocket (`/events?token=`) that reconnects while anyone listens.
 *
 * @example const api = createWebClient({ origin: location.origin, token }); await api.families();
 */
export function createWebClient(options: WebClientOptions): WorkbenchApi {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const Socket = options.WebSocket ?? globalThis.WebSocket;
  const listeners = new Set<(event: SweepEvent) => void>();
  let socket: WebSocket | undefined;
  let retryMs = options.reconnectMs ?? 500;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  async function call<T>(method: RequestMethod, args: unknown[]): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${options.origin}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fusebench-token': options.token },
        body: JSON.stringify({ args }),
      });
    } catch (e) {
      throw new HostError(`${method}: the Fusebench host cannot be reached (${(e as Error).message}); is it still running?`, 'network');
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new HostError(`${method}: the host answered HTTP ${response.status} without a Fusebench reply`, 'protocol');
    }
    if (!isReply(body)) throw new HostError(`${method}: the host answered HTTP ${response.status} with an unexpected reply`, 'protocol');
    return unwrapReply(body) as T;
  }

  function socketUrl(): string {
    const url = new URL('/events', options.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', options.token);
    return url.toString();
  }

  function connect(): void {
    if (socket || listeners.size === 0) return;
    const ws = new Socket(socketUrl());
    socket = ws;
    ws.addEventListener('open', () => {
      retryMs = options.reconnectMs ?? 500;
    });
    ws.addEventListener('message', (message: MessageEvent) => {
      let event: unknown;
      try {
        event = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (!isSweepEvent(event)) return;
      for (const listener of [...listeners]) listener(event);
    });
    ws.addEventListener('close', () => {
      socket = undefined;
      if (listeners.size === 0) return;
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        connect();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  }

  return {
    families: () => call('families', []),
    environment: () => call('environment', []),
    validateProfile: (profile) => call('validateProfile', [profile]),
    startSweep: (request) => call('startSweep', [request]),
    cancelSweep: (runId) => call('cancelSweep', [runId]),
    listRuns: () => call('listRuns', []),
    attachRun: (runId) => call('attachRun', [runId]),
    resumeRun: (id) => call('resumeRun', [id]),
    openRun: (id) => call('openRun', [id]),
    parseFile: (request) => call('parseFile', [request]),
    pickFile: (kind) => call('pickFile', [kind]),
    saveFile: (request) => call('saveFile', [request]),
    recentFiles: () => call('recentFiles', []),
    openRecent: (path) => call('openRecent', [path]),
    exportReport: (request) => call('exportReport', [request]),
    listModels: () => call('listModels', []),
    startScan: (request) => call('startScan', [request]),
    scanStatus: (scanId) => call('scanStatus', [scanId]),
    cancelScan: (scanId) => call('cancelScan', [scanId]),
    onSweepEvent(listener) {
      listeners.add(listener);
      connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        const ws = socket;
        socket = undefined;
        ws?.close();
      };
    },
  } satisfies WorkbenchApi;
}

const TOKEN_KEY = 'fusebench-token';

/**
 * The session token of the page's own host. The printed URL carries it once (`?token=`); it is kept
 * for this tab in sessionStorage (a reload must still reach the API, which needs the header) and
 * removed from the address bar, so it does not linger in history, bookmarks or screen shares.
 */
export function takePageToken(location: Location, history: History, storage: Storage): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const query = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

/** The web client for the page's own host, with the token the page was opened with. */
export function webClientForPage(location: Location, history: History, storage: Storage): WorkbenchApi {
  return createWebClient({ origin: location.origin, token: takePageToken(location, history, storage) });
}
