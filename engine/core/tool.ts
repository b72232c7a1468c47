import pkg from '../../package.json' with { type: 'json' };

/** This tool's name and version, as every file it writes records them. */
export const TOOL = { name: 'fusebench', version: pkg.version } as const;
