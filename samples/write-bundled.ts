import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSampleSet, type GeneratorOptions } from './generator.js';

/**
 * Writes a generated sample set to a folder: the input files under `input/`, the contract as
 * `contracts.yaml`, and `expected-findings.json` with the as-of date the expectations hold for.
 */
export async function writeSampleSet(dir: string, options: GeneratorOptions = {}): Promise<{ inputDir: string; configFile: string; asOf: string }> {
  const set = generateSampleSet(options);
  await rm(path.join(dir, 'input'), { recursive: true, force: true });
  for (const [rel, bytes] of set.files) {
    const target = path.join(dir, 'input', rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
  const configFile = path.join(dir, 'contracts.yaml');
  await writeFile(configFile, set.config);
  await writeFile(path.join(dir, 'expected-findings.json'), `${JSON.stringify({ asOf: set.asOf, findings: set.expected }, null, 2)}\n`);
  return { inputDir: path.join(dir, 'input'), configFile, asOf: set.asOf };
}

// `node dist/samples/write-bundled.js DIR` regenerates the committed set (default samples/bundled).
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const dir = process.argv[2] ?? 'samples/bundled';
  const { asOf } = await writeSampleSet(dir);
  process.stderr.write(`sample set written to ${dir} (as of ${asOf})\n`);
}
