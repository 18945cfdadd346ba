// The hash-ahead thread when running from TypeScript sources (the tests): Node 20 does not apply a
// loader given in a worker's execArgv, so this plain-JS entry loads hash-ahead-worker.ts through
// tsx's API. The built package runs dist/.../hash-ahead-worker.js directly and never loads this file.
import { tsImport } from 'tsx/esm/api';

await tsImport('./hash-ahead-worker.ts', import.meta.url);
