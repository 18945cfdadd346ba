import type { BankEntry } from '../model/records.js';
import { maskCard } from './_text.js';
import type { ParseEvent } from './types.js';

/**
 * Helpers shared by the bank-statement parsers (bank-statement-cn, camt053, mt940, bai2):
 * event constructors, running totals for control checks, and account-number hygiene.
 */

export function bankRecord(entry: BankEntry): ParseEvent {
  return { kind: 'record', role: 'bank', record: entry };
}

export function rejectEvent(file: string, line: number, reason: string, raw: string): ParseEvent {
  return { kind: 'reject', reject: { file, line, reason, raw } };
}

export function checkEvent(
  file: string,
  line: number,
  name: string,
  currency: string,
  declared: number,
  computed: number,
  count = false,
): ParseEvent {
  return {
    kind: 'check',
    check: count ? { file, line, name, currency, declared, computed, unit: 'count' } : { file, line, name, currency, declared, computed },
  };
}

/** Sets only the fields that have a value, so records carry no `undefined` keys into JSON. */
export function withOptional<T extends object>(target: T, values: Partial<T>): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') (target as Record<string, unknown>)[k] = v;
  return target;
}

/** Counts and sums of the credits and debits read, per currency: the "computed" side of control checks. */
export class Tally {
  private readonly by = new Map<string, { credits: number; creditSum: number; debits: number; debitSum: number }>();

  add(entry: Pick<BankEntry, 'currency' | 'direction' | 'amountMinor'>): void {
    const t = this.get(entry.currency);
    if (entry.direction === 'credit') {
      t.credits++;
      t.creditSum += entry.amountMinor;
    } else {
      t.debits++;
      t.debitSum += entry.amountMinor;
    }
  }

  get(currency: string) {
    let t = this.by.get(currency);
    if (!t) {
      t = { credits: 0, creditSum: 0, debits: 0, debitSum: 0 };
      this.by.set(currency, t);
    }
    return t;
  }

  /** Net movement (credits − debits) in one currency. */
  net(currency: string): number {
    const t = this.get(currency);
    return t.creditSum - t.debitSum;
  }

  currencies(): string[] {
    return [...this.by.keys()];
  }
}

/**
 * Masks a counterparty account that is a payment card number (16–19 digits, a card scheme's first
 * digit, valid Luhn check digit): DESIGN.md section 10 forbids full card numbers in outputs. Bank
 * account numbers that are not card numbers are kept whole, since the payer checks need them.
 */
export function maskIfCard(account: string): string {
  const digits = account.replace(/[\s-]/g, '');
  if (!/^[3-6]\d{15,18}$/.test(digits) || !luhn(digits)) return account;
  return maskCard(digits);
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
