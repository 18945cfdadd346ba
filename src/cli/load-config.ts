import { readFile } from 'node:fs/promises';
import { AuditError, ErrorCode } from '../model/errors.js';
import { parseContract, type ContractConfig } from '../model/contract.js';

/** Reads and validates the contract configuration; a missing or invalid file exits 2 naming it. */
export async function loadConfig(file: string): Promise<ContractConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AuditError(ErrorCode.CONFIG_UNREADABLE, `${file}: config cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file }, err);
  }
  return parseContract(text, file);
}
