/**
 * Card numbers (PANs) in free text. Records carry masked numbers (`maskCard`), but a rejected
 * row's raw text, a reason quoting a cell, a bank line's description or a file name can still
 * carry a full number; every output passes its text through `maskPans` (DESIGN.md section 10:
 * outputs keep the first 6 and last 4 digits at most, as PCI DSS 3.4 allows).
 */

/**
 * Candidates: a bare run of 13–19 digits, or digits written in groups of four separated by one
 * space or dash (`6222 0212 3456 7890 123`), or the American Express 4-6-5 grouping. The digit
 * lookarounds keep a candidate from starting or ending inside a longer number (a 28-digit WeChat
 * transaction id is not a card number); letters around it do not protect it (`CARD4111…`).
 */
const CANDIDATE = /(?<!\d)(?:\d{4}[ -]\d{6}[ -]\d{5}|\d{4}(?:[ -]\d{4}){2,4}(?:[ -]\d{1,3})?|\d{13,19})(?!\d)/g;

/** Passes the Luhn (mod 10) check that every payment card number carries (ISO/IEC 7812-1 annex B). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes of the card schemes seen in settlement files: 3 (Amex, JCB, Diners), 4 (Visa),
 * 5 (Mastercard), 6 (UnionPay 62, Discover), and Mastercard's 2221–2720 series. Not 8 or 9:
 * UnionPay merchant ids (`898310048990001`) are 15 digits starting with 8 and must stay readable,
 * and neither are 1 and the rest of 2, which timestamps (`20261120101112`) and Alipay partner ids
 * (`2088…`) start with.
 */
function schemePrefix(digits: string): boolean {
  const first = digits.charCodeAt(0) - 48;
  if (first >= 3 && first <= 6) return true;
  const four = Number(digits.slice(0, 4));
  return four >= 2221 && four <= 2720;
}

/** True when a string of digits is a card number by the rule above: 13–19 digits, scheme prefix, Luhn. */
export function isPan(digits: string): boolean {
  return /^\d{13,19}$/.test(digits) && schemePrefix(digits) && luhnValid(digits);
}

/** The masked form, the same as `maskCard` gives records: first 6, a star per hidden digit, last 4. */
const masked = (digits: string): string => `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;

/**
 * Replaces every card number in a text by its masked form (first 6 and last 4 digits). A grouped
 * candidate may run on into numbers written before or after the card (`4111 1111 1111 1111 2026`):
 * every window of whole groups is tried, longest first, so the card is masked and the rest kept.
 * Idempotent: masked text has no 13-digit run left.
 */
export function maskPans(text: string): string {
  if (!/\d{4}/.test(text)) return text;
  return text.replace(CANDIDATE, (match) => (/^\d+$/.test(match) ? (isPan(match) ? masked(match) : match) : maskGroups(match)));
}

/** Masks the card numbers among the groups of a grouped candidate, keeping separators and other groups. */
function maskGroups(match: string): string {
  const groups = match.split(/[ -]/);
  const separators = match.match(/[ -]/g) ?? [];
  const join = (from: number, to: number) => groups.slice(from, to).map((g, i) => `${i === 0 ? '' : separators[from + i - 1]}${g}`).join('');
  for (let i = 0; i < groups.length; i++) {
    for (let j = groups.length; j > i; j--) {
      const digits = groups.slice(i, j).join('');
      if (digits.length < 13) break;
      if (!isPan(digits)) continue;
      const before = i > 0 ? `${join(0, i)}${separators[i - 1]}` : '';
      const after = j < groups.length ? `${separators[j - 1]}${maskGroups(join(j, groups.length))}` : '';
      return `${before}${masked(digits)}${after}`;
    }
  }
  return match;
}

/**
 * A deep copy of a JSON-like value with every string passed through `maskPans`, except the
 * values of the keys in `keep` (hashes and ids the tool computed itself, which are hex and can
 * hold a digit run that happens to pass the check).
 */
export function maskPansDeep<T>(value: T, keep: ReadonlySet<string> = new Set()): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskPans(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = keep.has(k) ? x : walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * A rejected row as outputs may carry it: it is copied out verbatim (rejects.csv, the
 * unparseable-row finding), so any card number in its text or reason is masked once, where the
 * parse hands it over, before it reaches a rule, a report or a log.
 */
export function maskedReject<R extends { raw: string; reason: string }>(reject: R): R {
  return { ...reject, raw: maskPans(reject.raw), reason: maskPans(reject.reason) };
}
