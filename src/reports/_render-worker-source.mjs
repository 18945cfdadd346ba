// The render worker when running from TypeScript sources (the tests): Node 20 does not apply a
// loader given in a worker's execArgv, so this plain-JS entry loads render-worker.ts through
// tsx's API. The built package runs dist/.../render-worker.js directly and never loads this file.
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('./render-worker.ts', import.meta.url);

export const merchantReports = worker.merchantReports;
export const complianceReport = worker.complianceReport;
