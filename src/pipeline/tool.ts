import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Finds the package's own package.json from here, whether running from src/ or from dist/. */
function readPackage(): { name: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')) as { name: string; version: string };
    const parent = path.dirname(dir);
    if (parent === dir) return { name: 'settle-audit', version: '0.0.0' };
    dir = parent;
  }
}

const pkg = readPackage();

/** The tool's name and version, printed on every report. */
export const TOOL = { name: pkg.name, version: pkg.version } as const;
