import { readFileSync, readdirSync, statSync } from 'node:fs';
const m = await import(`/work/main/src/parsers/${process.argv[2]}.ts`);
const parser = m[process.argv[3]!];
const walk = (d: string): string[] => readdirSync(d).flatMap((f) => { const p = `${d}/${f}`; return statSync(p).isDirectory() ? walk(p) : [p]; });
for (const f of walk('samples/public')) { const b = readFileSync(f); console.log(parser.sniff(b, f).toFixed(2), parser.sniff(b.subarray(0, 4096), f).toFixed(2), f); }
