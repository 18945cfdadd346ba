// The bulk worker when running from TypeScript sources (the tests): Node 20 does not apply a
// loader given in a worker's execArgv, so this plain-JS entry loads worker.ts through tsx's API.
// The built package runs dist/.../worker.js directly and never loads this file.
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('./worker.ts', import.meta.url);

export const partition = worker.partition;
export const audit = worker.audit;
