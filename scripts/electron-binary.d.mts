/** Where the Electron binary is, or why there is none; never downloads it. */
export function electronBinary(): { path: string } | { path: null; reason: string };
