import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../engine/core/errors.js';
import { assertTrustedSender, guardedCall, type IpcSender, type TrustedWindow } from '../../../main/electron/ipc-guard.js';
import { errorReply } from '../../../main/service/error-reply.js';

const trusted: TrustedWindow = { webContentsId: 7, mainFrame: { processId: 3, routingId: 1 } };
const good: IpcSender = { webContentsId: 7, frame: { url: 'app://fusebench/index.html', processId: 3, routingId: 1, parent: null } };
const withFrame = (frame: Partial<NonNullable<IpcSender['frame']>>): IpcSender => ({ ...good, frame: { ...good.frame!, ...frame } });

describe('IPC sender check', () => {
  it.each<[string, IpcSender, RegExp]>([
    ['a foreign origin', withFrame({ url: 'https://evil.example/app://fusebench/' }), /not the app/],
    ['a look-alike host', withFrame({ url: 'app://fusebench.evil/index.html' }), /not the app/],
    ['a file: page', withFrame({ url: 'file:///tmp/index.html' }), /not the app/],
    ['a subframe of our page', withFrame({ routingId: 2, parent: {} }), /subframe/],
    ['a frame claiming no parent but not our main frame', withFrame({ routingId: 9 }), /subframe/],
    ['another window', { ...good, webContentsId: 8 }, /another window/],
    ['a frame that is gone', { ...good, frame: null }, /gone/],
  ])('refuses %s', (_what, sender, message) => {
    expect(() => assertTrustedSender(sender, trusted)).toThrow(message);
  });

  it('accepts our main frame on an app:// page', () => {
    expect(() => assertTrustedSender(good, trusted)).not.toThrow();
  });
});

describe('guardedCall', () => {
  it('refuses a foreign sender without calling the service', async () => {
    const call = vi.fn(async () => []);
    const reply = await guardedCall('families', withFrame({ url: 'https://evil.example/' }), trusted, [], call);
    expect(reply).toEqual({ ok: false, error: { kind: 'forbidden', message: expect.stringMatching(/not the app/) } });
    expect(call).not.toHaveBeenCalled();
  });

  it.each<[string, unknown[], string]>([
    ['a file name with folders', [{ kind: 'profile', name: '../../.bashrc', content: '{}' }], 'saveFile: argument 0.name'],
    ['an unknown file kind', [{ kind: 'binary', name: 'a.json', content: '{}' }], 'saveFile: argument 0.kind'],
    ['an extra field', [{ kind: 'profile', name: 'a.json', content: '{}', mode: 0o777 }], 'saveFile: argument 0'],
    ['a missing argument', [], 'saveFile: argument'],
  ])('refuses %s, naming the field', async (_what, args, field) => {
    const call = vi.fn(async () => null);
    const reply = await guardedCall('saveFile', good, trusted, args, call);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.kind).toBe('input');
    expect(reply.error.message.startsWith(field)).toBe(true);
    expect(call).not.toHaveBeenCalled();
  });

  it('refuses a run id that is not one', async () => {
    const reply = await guardedCall(
      'cancelSweep',
      good,
      trusted,
      ['../../x'],
      vi.fn(async () => undefined),
    );
    expect(reply).toMatchObject({
      ok: false,
      error: { kind: 'input', message: expect.stringContaining('cancelSweep: argument 0: a run id') },
    });
  });

  it('passes a good call the checked arguments and wraps the value', async () => {
    const call = vi.fn(async (kind: 'profile' | 'results') => ({ kind, name: 'a.profile.json' }));
    const reply = await guardedCall('pickFile', good, trusted, ['profile'], call);
    expect(call).toHaveBeenCalledWith('profile');
    expect(reply).toEqual({ ok: true, value: { kind: 'profile', name: 'a.profile.json' } });
  });

  it('turns errors the service throws into replies, user errors keeping their kind', async () => {
    const user = await guardedCall('validateProfile', good, trusted, [{}], async () => {
      throw new ConfigError('profile.families', 'must list at least one family');
    });
    expect(user).toEqual({
      ok: false,
      error: { kind: 'config', field: 'profile.families', message: 'profile.families: must list at least one family' },
    });
    const bug = await guardedCall('families', good, trusted, [], async () => {
      throw new TypeError('x is undefined');
    });
    expect(bug).toEqual({ ok: false, error: { kind: 'internal', message: 'TypeError: x is undefined' } });
  });

  it('never puts a stack trace in a reply', () => {
    const reply = errorReply(new Error('boom'));
    expect(JSON.stringify(reply)).not.toMatch(/at .*\.ts:\d+/);
  });
});
