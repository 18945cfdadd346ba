import { readFileSync } from 'node:fs';
import { detectEncoding } from '/work/main/src/parsers/_text.js';
const [mod, exp, ...files] = process.argv.slice(2);
const m = await import(`/work/main/src/parsers/${mod}.ts`);
const parser = m[exp!];
for (const f of files) {
  const bytes = readFileSync(f);
  const enc = detectEncoding(bytes);
  console.log('=====', f, enc, 'sniff', parser.sniff(bytes, f));
  let cr = 0, db = 0, nc = 0, nd = 0;
  for (const ev of parser.parse({ file: f.split('/').pop(), bytes, encoding: enc, options: { timezone: 'Asia/Shanghai', currency: 'CNY', columnMaps: {} }, companions: new Map() })) {
    if (ev.kind === 'record') { const r = ev.record; if (r.direction === 'credit') { cr += r.amountMinor; nc++; } else { db += r.amountMinor; nd++; }
      if (process.env.V) console.log(JSON.stringify(r)); }
    else console.log(JSON.stringify(ev));
  }
  console.log(`credits ${nc} ${cr}  debits ${nd} ${db}`);
}
