/**
 * The ASCII bytes the bulk path looks for in undecoded lines (stage 1, the screen, stage 2). In
 * UTF-8 none of them occurs inside a multi-byte character, nor in GBK/GB18030 but for the
 * backtick and the pipe, which can be a GBK trail byte: those two are only compared where the
 * bytes are known to be ASCII, or in files that are not GBK (_lines.ts, _screen-rows.ts).
 */
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const HASH = 0x23;
export const DASH = 0x2d;
export const DOT = 0x2e;
export const COLON = 0x3a;
export const EQUALS = 0x3d;
export const BACKTICK = 0x60;
export const PIPE = 0x7c;
