import { deflateSync, inflateSync } from 'node:zlib';

/**
 * How the state store keeps an open item's records: their JSON, deflated (zlib format).
 *
 * Why. A month audited without its bank statements leaves every settlement day open, each with
 * its acquirer records, for a later statement to pay: at 5 M rows, 31 005 days and 2.4 GiB of
 * JSON, which SQLite then wrote twice (its log and the database) while the run waited. The JSON
 * of one day's records repeats the same keys, file name, merchant and terminal on every record:
 * deflated it is about a twelfth of its size (measured on 200 days of the benchmark month: 94 KB
 * a day, 12.2 times smaller at level 3, deflated at about 280 MB/s). The bulk workers deflate the
 * records they write out (RecordSpill), in parallel, so the commit only copies bytes.
 *
 * The same records always give the same bytes (deflate with fixed parameters is deterministic),
 * so a store is the same whichever path (bulk or in memory) wrote it.
 */

/** zlib's parameters, fixed so that the bytes are too: level 3 with zlib's largest hash table, as the reports' streams. */
const DEFLATE = { level: 3, memLevel: 9 } as const;

/** The bytes the store keeps for records' JSON (a string, or its UTF-8 bytes). */
export function packRecords(json: string | Uint8Array): Buffer {
  return deflateSync(json, DEFLATE);
}

/** The records' JSON text from the bytes the store keeps. */
export function unpackRecords(packed: Uint8Array): string {
  return inflateSync(packed).toString('utf8');
}
