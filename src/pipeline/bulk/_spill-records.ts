import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { MerchantCarry, SpilledRecords } from '../../state/carry.js';
import { packRecords } from '../../state/packed-records.js';

/**
 * Writes the records of the settlement days a merchant leaves open to a file of the bucket's own,
 * so that its carry goes back to the main thread without them: a month without its bank statement
 * leaves every acquirer record in an open day, more than the main thread can hold. Each day's
 * records are written packed as the state store keeps them (packed-records.ts), so that the
 * workers deflate them side by side and the store's commit only copies the bytes.
 */
export class RecordSpill {
  private fd: number | undefined;
  private offset = 0;
  private readonly file: string;

  constructor(dir: string, bucket: number) {
    this.file = path.join(dir, `carry-${bucket}.bin`);
  }

  /** The carry with each open day's records written out. */
  spill(carry: MerchantCarry): MerchantCarry {
    return { ...carry, unpaidDays: carry.unpaidDays.map((day) => ({ ...day, records: this.write(day.records) })) };
  }

  private write(records: MerchantCarry['unpaidDays'][number]['records']): SpilledRecords {
    if (!Array.isArray(records)) return records;
    // Opened on the first day to write ('w': a bucket audited again, after a refused file, starts over).
    this.fd ??= openSync(this.file, 'w');
    const bytes = packRecords(JSON.stringify(records));
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, this.offset + at);
    const ref = { file: this.file, offset: this.offset, bytes: bytes.length };
    this.offset += bytes.length;
    return ref;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
