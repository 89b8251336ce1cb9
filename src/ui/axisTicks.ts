/**
 * Axis ticks for the charts: 1–2–5 steps, labels that never repeat and carry as many decimals as the step
 * needs (a near-constant series 0.70501…0.70504 gets 0.705010, 0.705015, … not "0.705" three times).
 * Pure; the charts pass `ticks`, `domain` and `format` to recharts explicitly.
 */

export interface AxisTicks {
  /** Tick values, ascending, all inside `domain`. */
  ticks: number[];
  /** The axis range: the data range widened to whole steps (`extend`), or the data range itself. */
  domain: [number, number];
  step: number;
  /** Formats a tick value (and any value on this axis) with the axis' precision. */
  format: (v: number) => string;
}

export interface AxisTickOptions {
  /** About this many intervals (default 5). */
  target?: number;
  /** Widen the domain to whole steps around the data (y axes); false keeps it and drops ticks outside (x axes). */
  extend?: boolean;
  /** Only whole-number ticks (iterations). */
  integer?: boolean;
}

/** The 1–2–5 step giving about `target` intervals over `span` (> 0). */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= 0.75 * raw) ?? 10 * mag;
}

function unique(labels: string[]): boolean {
  return new Set(labels).size === labels.length;
}

/**
 * A formatter for values spaced `step` apart of magnitude up to `maxAbs`: plain decimals for ordinary
 * magnitudes, k/M/G suffixes for large ones, exponents for tiny ones; `extra` more digits than the step needs.
 */
export function stepFormatter(step: number, maxAbs: number, extra = 0): (v: number) => string {
  const stepExp = Math.floor(Math.log10(step) + 1e-9);
  if (maxAbs >= 1e4 && step >= 10) {
    const [scale, suffix] = maxAbs >= 1e9 ? [1e9, 'G'] : maxAbs >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
    const decimals = Math.max(0, Math.log10(scale) - stepExp) + extra;
    return (v) => (v === 0 ? '0' : `${(v / scale).toFixed(decimals)}${suffix}`);
  }
  if (maxAbs > 0 && (maxAbs < 1e-3 || stepExp < -6)) {
    const digits = Math.max(0, Math.floor(Math.log10(maxAbs) + 1e-9) - stepExp) + extra;
    return (v) => (v === 0 ? '0' : v.toExponential(digits));
  }
  const decimals = Math.max(0, -stepExp) + extra;
  return (v) => {
    const s = v.toFixed(decimals);
    return /^-?0(\.0*)?$/.test(s) ? '0' : s;
  };
}

/** Ticks over the data range [lo, hi] (either order; equal ends and non-finite values are handled). */
export function axisTicks(lo: number, hi: number, opts: AxisTickOptions = {}): AxisTicks {
  const target = opts.target ?? 5;
  const extend = opts.extend ?? true;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    if (Number.isFinite(lo)) hi = lo;
    else if (Number.isFinite(hi)) lo = hi;
    else lo = hi = 0;
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi === lo) {
    // A constant series: a small band around the value (one unit around 0, or 1 % of it).
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    lo -= pad;
    hi += pad;
  }
  let step = niceStep(hi - lo, target);
  if (opts.integer) step = Math.max(1, Math.round(step));
  // Guard against ranges below float resolution: a step that no longer changes the value.
  while (lo + step === lo || hi - step === hi) step *= 10;
  const k0 = extend ? Math.floor(lo / step + 1e-9) : Math.ceil(lo / step - 1e-9);
  const k1 = extend ? Math.ceil(hi / step - 1e-9) : Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = k0; k <= k1 && ticks.length < 200; k++) ticks.push(parseFloat((k * step).toPrecision(15)));
  const domain: [number, number] = extend ? [ticks[0], ticks[ticks.length - 1]] : [lo, hi];
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  let format = stepFormatter(step, maxAbs);
  for (let extra = 1; extra <= 6 && !unique(ticks.map(format)); extra++) format = stepFormatter(step, maxAbs, extra);
  return { ticks, domain, step, format };
}

/** The finite range of some series of values, or null when there is none. */
export function valueRange(values: Iterable<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}
