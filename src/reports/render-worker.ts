import { move, transferableSymbol, valueSymbol } from 'piscina';
import { renderComplianceReport, renderError, renderMerchantReport, type ComplianceReportTask, type MerchantReportTask, type RenderOutcome } from './_render.js';

/**
 * The piscina worker that renders merchant reports when a run has many (renderReports). It
 * answers `{ ok, value } | { ok: false, error }`: an Error subclass does not survive the trip
 * between threads on Node 20 (its code and context are lost), a plain object does. The PDF's
 * bytes are transferred back, not copied.
 */
export async function merchantReport(task: MerchantReportTask) {
  return answer(() => renderMerchantReport(task));
}

/** The compliance report, rendered in the pool like the merchant reports (see renderWithPool). */
export async function complianceReport(task: ComplianceReportTask) {
  return answer(() => renderComplianceReport(task));
}

/** A rendered PDF as the pool answers it: its bytes moved back, or the error as plain data. */
async function answer(render: () => Promise<Buffer>) {
  let outcome: RenderOutcome;
  try {
    outcome = { ok: true, value: ownBuffer(await render()) };
  } catch (err) {
    outcome = { ok: false, error: renderError(err) };
  }
  return move({
    get [transferableSymbol]() {
      return outcome.ok ? [outcome.value.buffer] : [];
    },
    get [valueSymbol]() {
      return outcome;
    },
  });
}

/**
 * The bytes in a buffer of their own. Transferring a view transfers its whole ArrayBuffer, and a
 * small Buffer may sit in Node's shared allocation pool; a report's bytes are normally alone in
 * theirs (Buffer.concat of tens of kilobytes), and are copied otherwise.
 */
function ownBuffer(bytes: Buffer): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes);
}
