import path from 'node:path';
import { writeSampleSet } from '../../samples/write-bundled.js';
import { runAudit } from '../pipeline/audit.js';
import { writeOutputs } from '../pipeline/outputs.js';
import { describe } from './audit.js';
import { loadConfig } from './load-config.js';

/** `settle-audit demo`: generates the bundled sample set into OUT/samples and audits it into OUT. */
export async function demoCommand(out: string, log: (line: string) => void): Promise<number> {
  const sampleDir = path.join(out, 'samples');
  const { inputDir, configFile, asOf } = await writeSampleSet(sampleDir);
  log(`sample set generated in ${sampleDir}`);
  const config = await loadConfig(configFile);
  const result = await runAudit({ config, files: [inputDir], asOf, warn: log });
  const written = await writeOutputs(result, out);
  log(describe(result, out));
  for (const file of written.filter((f) => f.endsWith('.pdf'))) log(`report: ${file}`);
  return 0;
}
