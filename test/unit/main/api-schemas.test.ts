import { describe, expect, it } from 'vitest';
import { ApiInputError, ARGUMENTS, CHANNELS, checkArguments } from '../../../main/api.js';

/** Every method of the contract has a runtime schema, and bad payloads are refused naming the field. */
describe('API contract schemas', () => {
  it('cover every method, and channel names are domain:verb', () => {
    expect(Object.keys(ARGUMENTS).sort()).toEqual(Object.keys(CHANNELS).sort());
    for (const channel of Object.values(CHANNELS)) expect(channel).toMatch(/^[a-z]+:[A-Za-z]+$/);
  });

  it.each([
    ['families', [1], /families: argument \(all\): Too big/],
    ['startSweep', [{ profile: {}, backend: 'tpu' }], /startSweep: argument 0.backend/],
    ['startSweep', [{ profile: {}, extra: 1 }], /startSweep: argument 0/],
    ['cancelSweep', ['../../x'], /cancelSweep: argument 0: .*run id/],
    ['parseFile', [{ kind: 'binary', name: 'x', text: '' }], /parseFile: argument 0.kind/],
    ['saveFile', [{ kind: 'results', name: '../escape.json', content: '{}' }], /saveFile: argument 0.name: .*without folders/],
    ['saveFile', [{ kind: 'results', name: 'a.json', content: 5 }], /saveFile: argument 0.content/],
    // `..` would name the workspace's parent (the temp file went there); a leading dot, a hidden or internal file.
    ['saveFile', [{ kind: 'report', name: '..', content: 'x' }], /saveFile: argument 0.name: .*not starting with a dot/],
    ['saveFile', [{ kind: 'report', name: '.fusebench', content: 'x' }], /saveFile: argument 0.name/],
    ['startSweep', [{ profile: {}, maxPoints: 0 }], /startSweep: argument 0.maxPoints/],
    ['startSweep', [{ profile: {}, maxPoints: 1e9 }], /startSweep: argument 0.maxPoints/],
    ['exportReport', [{ results: {}, format: 'pdf' }], /exportReport: argument 0.format/],
    ['pickFile', [], /pickFile: argument/],
    ['attachRun', ['../../x'], /attachRun: argument 0: .*run id/],
    ['resumeRun', ['../runs'], /resumeRun: argument 0: .*run folder name/],
    ['openRun', ['.fusebench'], /openRun: argument 0: .*not starting with a dot/],
    ['openRun', ['a/b'], /openRun: argument 0/],
    ['listRuns', ['x'], /listRuns: argument/],
  ] as const)('%s refuses %j', (method, args, message) => {
    expect(() => checkArguments(method, args)).toThrow(ApiInputError);
    expect(() => checkArguments(method, args)).toThrow(message);
  });

  it('passes good payloads through', () => {
    expect(checkArguments('openRun', ['first-answer-cf937166'])).toEqual(['first-answer-cf937166']);
    expect(checkArguments('cancelSweep', ['3f2a9c1e-0000-4000-8000-123456789abc'])).toEqual(['3f2a9c1e-0000-4000-8000-123456789abc']);
    expect(checkArguments('saveFile', [{ kind: 'image', name: 'chart.png', content: 'AAAA', encoding: 'base64' }])[0].encoding).toBe(
      'base64',
    );
  });
});
