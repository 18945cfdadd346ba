/**
 * Every line of 1 to `longest` characters over `alphabet`: the short lines the byte-level line
 * cutters are held to, whatever their delimiters and quotes.
 */
export function everyLine(alphabet: readonly string[], longest: number): string[] {
  const lines: string[] = [];
  const grow = (line: string) => {
    if (line.length > 0) lines.push(line);
    if (line.length < longest) for (const c of alphabet) grow(line + c);
  };
  grow('');
  return lines;
}

/** Commas, quotes, letters and a GBK byte pair's bytes (0xB0 0xA1 as latin1): what a cutter must tell apart. */
export const CUT_ALPHABET: readonly string[] = ['a', ',', '"', '\u00b0', '\u00a1'];
