import { move, transferableSymbol, valueSymbol } from 'piscina';
import { renderComplianceReport, renderError, renderMerchantReport, type ComplianceReportTask, type MerchantReportTask, type RenderOutcome } from './_render.js';

/**
 * The piscina worker that renders merchant reports when a run has many (renderReports). It
 * answers each report with `{ ok, value } | { ok: false, error }`: an Error subclass does not
 * survive the trip between threads on Node 20 (its code and context are lost), a plain object
 * does. The PDFs' bytes are transferred back, not copied.
 */

/**
 * Several merchants' reports, one after another, each answered on its own: a failing report
 * fails alone. A task of several reports costs the pool's messaging once for them all (see
 * BATCH in index.ts).
 */
export async function merchantReports(tasks: readonly MerchantReportTask[]) {
  const outcomes: RenderOutcome[] = [];
  for (const task of tasks) outcomes.push(await outcomeOf(() => renderMerchantReport(task)));
  return moved(outcomes);
}

/** The compliance report, rendered in the pool like the merchant reports (see renderWithPool). */
export async function complianceReport(task: ComplianceReportTask) {
  return moved([await outcomeOf(() => renderComplianceReport(task))]);
}

async function outcomeOf(render: () => Promise<Buffer>): Promise<RenderOutcome> {
  try {
    return { ok: true, value: ownBuffer(await render()) };
  } catch (err) {
    return { ok: false, error: renderError(err) };
  }
}

/** Outcomes as the pool answers them: the rendered PDFs' bytes moved back. */
function moved(outcomes: RenderOutcome[]) {
  return move({
    get [transferableSymbol]() {
      return outcomes.flatMap((o) => (o.ok ? [o.value.buffer] : []));
    },
    get [valueSymbol]() {
      return outcomes;
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
