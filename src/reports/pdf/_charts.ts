/**
 * Charts drawn as vector paths (no images): they stay sharp when zoomed and printed, and their
 * labels are text a reader can search and copy.
 */
import { DateTime } from 'luxon';
import type { Severity } from '../../model/finding.js';
import { formatGrouped } from '../../model/money.js';
import { remember } from '../../model/remember.js';
import type { DailyTotals } from '../../model/summary.js';
import { COLORS, type ReportWriter } from './_layout.js';
import { SEVERITIES, SEVERITY_SHORT, count, money, unitOf } from './_format.js';

/** A "nice" step (1, 2 or 5 × 10^k) so that about `ticks` steps cover `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function axis(max: number, ticks: number, integer: boolean): { step: number; top: number; values: number[] } {
  const step = Math.max(niceStep(max > 0 ? max : 1, ticks), integer ? 1 : 0);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const values: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) values.push(v);
  return { step, top, values };
}

const DAY_MS = 86_400_000;
const LUXON_UTC = { zone: 'UTC', locale: 'en-US', numberingSystem: 'latn' } as const;

/** luxon's toISODate of an instant in UTC, through Date: stepping day by day in luxon took a sixth of the chart's time. */
function utcIsoDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  // Years outside 0000-9999 are written with a sign and six digits: luxon's format then.
  return iso.length === 24 ? iso.slice(0, 10) : (DateTime.fromMillis(ms, LUXON_UTC).toISODate() ?? '');
}

/**
 * A date's instant in UTC as luxon reads it (NaN when invalid), remembered per thread: a run's
 * charts start and end on the same few dates, and luxon's parsing took a thirtieth of a report.
 */
const utcMillis = remember(1000, (date: string): number => DateTime.fromISO(date, LUXON_UTC).toMillis());

/**
 * Every date from the first to the last, so that a day without sales shows as a gap, not as
 * nothing. The ends are read by luxon; the days between are counted in UTC, where every day has
 * 24 hours.
 */
function calendarDays(days: readonly DailyTotals[]): { date: string; day: DailyTotals | undefined }[] {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const sorted = [...byDate.keys()].sort();
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) return [];
  const start = utcMillis(first);
  const end = utcMillis(last);
  const out: { date: string; day: DailyTotals | undefined }[] = [];
  // An invalid end gives NaN, and no days, as comparing invalid luxon dates did.
  for (let ms = start; ms <= end && out.length <= 1000; ms += DAY_MS) {
    const date = utcIsoDate(ms);
    out.push({ date, day: byDate.get(date) });
  }
  return out;
}

/**
 * Daily volume (bars, left axis, in yuan) and effective fee rate (line, right axis: the day's fees
 * over its volume). The rate is a float here because it is only drawn, never added up.
 */
export function dailyVolumeChart(w: ReportWriter, days: readonly DailyTotals[], currency: string): void {
  const doc = w.doc;
  const series = calendarDays(days);
  if (series.length === 0) {
    w.paragraph('本期无交易，无法绘制每日交易量。 No transactions in the period.', { color: COLORS.muted });
    return;
  }
  const height = 230;
  w.ensure(height + 40);
  const top = w.y;
  const plot = { x: w.left + 52, y: top + 24, w: w.width - 52 - 44, h: height - 24 - 30 };

  // Legend.
  doc.rect(w.left, top + 4, 9, 9).fill(COLORS.accentLight);
  w.put(`日交易金额 daily volume（${unitOf(currency)}）`, w.left + 13, top + 2, 190, { size: 7.5, color: COLORS.muted });
  doc.moveTo(w.left + 210, top + 8.5).lineTo(w.left + 226, top + 8.5).lineWidth(1.4).strokeColor(COLORS.orange).stroke();
  doc.circle(w.left + 218, top + 8.5, 2).fill(COLORS.orange);
  w.put('实际费率 effective fee rate（手续费 ÷ 金额）', w.left + 231, top + 2, 240, { size: 7.5, color: COLORS.muted });

  const maxAmount = Math.max(...series.map((s) => s.day?.amountMinor ?? 0));
  const left = axis(maxAmount, 5, true);
  const rates = series.map((s) => (s.day && s.day.amountMinor > 0 ? (s.day.feeMinor / s.day.amountMinor) * 100 : undefined));
  const maxRate = Math.max(0, ...rates.map((r) => r ?? 0));
  // The rate axis shares the volume axis's grid lines: same number of steps, its own nice step.
  const steps = left.values.length - 1;
  const rateStep = niceStep(maxRate > 0 ? maxRate : 1, steps);
  const rateTop = rateStep * steps;
  const rateDecimals = Math.max(2, -Math.floor(Math.log10(rateStep)) + 1);
  const yOf = (v: number, top_: number) => plot.y + plot.h - (v / top_) * plot.h;

  // Grid and axis labels.
  left.values.forEach((v, i) => {
    const y = yOf(v, left.top);
    doc.moveTo(plot.x, y).lineTo(plot.x + plot.w, y).lineWidth(0.4).strokeColor(i === 0 ? COLORS.faint : COLORS.hairline).stroke();
    const label = left.step % 100 === 0 ? formatGrouped(v / 100, 0) : money(v, currency);
    w.put(label, w.left, y - 5, 48, { size: 6.5, color: COLORS.muted, align: 'right' });
    w.put(`${(rateStep * i).toFixed(rateDecimals)}%`, plot.x + plot.w + 4, y - 5, 40, { size: 6.5, color: COLORS.orange });
  });

  // Bars.
  const slot = plot.w / series.length;
  const barWidth = Math.max(1, slot * 0.68);
  series.forEach((s, i) => {
    const amount = s.day?.amountMinor ?? 0;
    if (amount <= 0) return;
    const h = (amount / left.top) * plot.h;
    doc.rect(plot.x + i * slot + (slot - barWidth) / 2, plot.y + plot.h - h, barWidth, h).fill(COLORS.accentLight);
  });

  // Rate line: broken on days without volume rather than drawn through them.
  const points = rates.map((r, i) => (r === undefined ? undefined : { x: plot.x + i * slot + slot / 2, y: yOf(r, rateTop) }));
  let open = false;
  points.forEach((p) => {
    if (!p) {
      open = false;
      return;
    }
    if (open) doc.lineTo(p.x, p.y);
    else doc.moveTo(p.x, p.y);
    open = true;
  });
  doc.lineWidth(1.2).strokeColor(COLORS.orange).stroke();
  // The points as one path, filled once (pdfkit sets the colour anew for each fill): where two
  // overlap, the non-zero rule fills their union, as two fills of the colour would.
  const dots = points.filter((p) => p !== undefined);
  for (const p of dots) doc.circle(p.x, p.y, 1.6);
  if (dots.length > 0) doc.fill(COLORS.orange);

  // Date labels, thinned out so they never overlap.
  const every = Math.max(1, Math.ceil((series.length * 26) / plot.w));
  series.forEach((s, i) => {
    if (i % every !== 0) return;
    const x = plot.x + i * slot + slot / 2;
    w.put(s.date.slice(5), x - 15, plot.y + plot.h + 4, 30, { size: 6.5, color: COLORS.muted, align: 'center' });
  });
  w.y = plot.y + plot.h + 18;

  const total = series.reduce((sum, s) => sum + (s.day?.amountMinor ?? 0), 0);
  const fees = series.reduce((sum, s) => sum + (s.day?.feeMinor ?? 0), 0);
  const txns = series.reduce((sum, s) => sum + (s.day?.count ?? 0), 0);
  const first = series[0]?.date ?? '';
  const last = series[series.length - 1]?.date ?? '';
  w.paragraph(
    `${first} 至 ${last}：${count(txns)} 笔，交易金额 ${money(total, currency)} ${unitOf(currency)}，手续费 ${money(fees, currency)} ${unitOf(currency)}，` +
      `平均实际费率 ${total > 0 ? ((fees / total) * 100).toFixed(3) : '—'}%。`,
    { size: 8, color: COLORS.muted },
    8,
  );
}

export interface RuleBar {
  label: string;
  counts: Partial<Record<Severity, number>>;
}

/** Findings by rule as horizontal bars, each stacked by severity. */
export function findingsByRuleChart(w: ReportWriter, bars: readonly RuleBar[]): void {
  const doc = w.doc;
  if (bars.length === 0) return;
  const labelWidth = 180;
  const plot = { x: w.left + labelWidth, w: w.width - labelWidth - 40 };
  const totals = bars.map((b) => SEVERITIES.reduce((s, sev) => s + (b.counts[sev] ?? 0), 0));
  const scale = axis(Math.max(...totals), 5, true);
  const rows = bars.map((b) => Math.max(16, w.measure(b.label, labelWidth - 10, { size: 7.5 }) + 6));

  // Legend.
  w.ensure(16 + (rows[0] ?? 0) + 20);
  let x = w.left + labelWidth;
  for (const sev of SEVERITIES) {
    doc.rect(x, w.y + 3, 8, 8).fill(COLORS.severity[sev]);
    w.put(SEVERITY_SHORT[sev], x + 11, w.y + 1, 40, { size: 7.5, color: COLORS.muted });
    x += 50;
  }
  w.y += 18;

  const drawAxis = (y: number) => {
    for (const v of scale.values) {
      const ax = plot.x + (v / scale.top) * plot.w;
      doc.moveTo(ax, y).lineTo(ax, y + 3).lineWidth(0.4).strokeColor(COLORS.faint).stroke();
      w.put(count(v), ax - 20, y + 4, 40, { size: 6.5, color: COLORS.muted, align: 'center' });
    }
  };
  let segmentTop = w.y;
  bars.forEach((b, i) => {
    const h = rows[i] ?? 16;
    if (w.y + h + 16 > w.bottom) {
      drawAxis(w.y);
      w.newPage();
      segmentTop = w.y;
    }
    w.put(b.label, w.left, w.y + 3, labelWidth - 10, { size: 7.5 });
    let bx = plot.x;
    for (const sev of SEVERITIES) {
      const n = b.counts[sev] ?? 0;
      if (n === 0) continue;
      const bw = (n / scale.top) * plot.w;
      doc.rect(bx, w.y + 3, bw, 10).fill(COLORS.severity[sev]);
      bx += bw;
    }
    w.put(count(totals[i] ?? 0), bx + 4, w.y + 3, 36, { size: 7.5, bold: true });
    w.y += h;
  });
  doc.moveTo(plot.x, segmentTop).lineTo(plot.x, w.y).lineWidth(0.6).strokeColor(COLORS.faint).stroke();
  drawAxis(w.y);
  w.y += 20;
}
