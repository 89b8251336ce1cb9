/** Small SVG charts for the dataset inspector: histograms, a 2-D path preview and signals over time. */
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Histogram } from '../../data/readers';
import type { EnvPath } from '../../workers/protocol';
import { axisTicks } from '../../ui/axisTicks';
import { seriesColor } from '../../ui/palette';

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** Bars of a histogram; `large` adds axis labels (lo / hi). */
export function HistogramBars({ hist, width = 120, height = 28, label, testId }: { hist: Histogram; width?: number; height?: number; label?: string; testId?: string }) {
  const max = Math.max(1, ...hist.counts);
  const n = hist.counts.length;
  const bw = width / n;
  return (
    <svg className="ds-hist" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label ?? `histogram from ${fmt(hist.lo)} to ${fmt(hist.hi)}`} data-testid={testId} data-bins={n}>
      {hist.counts.map((c, i) => {
        const h = (c / max) * (height - 1);
        return <rect key={i} x={i * bw + 0.5} y={height - h} width={Math.max(0.5, bw - 1)} height={h} fill="var(--accent)" opacity={0.85} />;
      })}
    </svg>
  );
}

/** Obs dim x against obs dim y for each episode (when no task view fits). */
export function ObsPathPlot({ paths, xLabel, yLabel }: { paths: readonly EnvPath[]; xLabel: string; yLabel: string }) {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const p of paths) {
    for (let i = 0; i + 1 < p.points.length; i += 2) {
      const x = p.points[i];
      const y = p.points[i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (!Number.isFinite(x0)) return <p className="hint">No finite points to draw.</p>;
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const W = 360;
  const H = 260;
  const M = { l: 44, r: 8, t: 8, b: 30 };
  const sx = (x: number) => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (y: number) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
  const xt = axisTicks(x0, x1, { target: 5, extend: false });
  const yt = axisTicks(y0, y1, { target: 5, extend: false });
  return (
    <svg className="ds-paths" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${yLabel} against ${xLabel}, ${paths.length} episodes`} data-testid="dataset-path-preview" data-paths={paths.length}>
      {xt.ticks.map((v, i) => (
        <g key={`x${i}`}>
          <line x1={sx(v)} x2={sx(v)} y1={M.t} y2={H - M.b} stroke="var(--border)" strokeDasharray="2 3" />
          <text x={sx(v)} y={H - M.b + 12} textAnchor="middle" fontSize={9} fill="var(--text-dim)">{xt.format(v)}</text>
        </g>
      ))}
      {yt.ticks.map((v, i) => (
        <g key={`y${i}`}>
          <line x1={M.l} x2={W - M.r} y1={sy(v)} y2={sy(v)} stroke="var(--border)" strokeDasharray="2 3" />
          <text x={M.l - 4} y={sy(v) + 3} textAnchor="end" fontSize={9} fill="var(--text-dim)">{yt.format(v)}</text>
        </g>
      ))}
      {paths.map((p, k) => {
        let d = '';
        for (let i = 0; i + 1 < p.points.length; i += 2) if (Number.isFinite(p.points[i]) && Number.isFinite(p.points[i + 1])) d += `${sx(p.points[i]).toFixed(1)},${sy(p.points[i + 1]).toFixed(1)} `;
        return <polyline key={k} points={d} fill="none" stroke={seriesColor(k)} strokeWidth={1.2} opacity={0.8} />;
      })}
      <text x={(M.l + W - M.r) / 2} y={H - 4} textAnchor="middle" fontSize={10} fill="var(--text-dim)">{xLabel}</text>
      <text x={10} y={(M.t + H - M.b) / 2} textAnchor="middle" fontSize={10} fill="var(--text-dim)" transform={`rotate(-90 10 ${(M.t + H - M.b) / 2})`}>{yLabel}</text>
    </svg>
  );
}

/** Every dimension of one episode over time, one line each (at most `maxDims`). */
export function SignalsChart({ values, dim, length, names, testId, maxDims = 12 }: { values: Float32Array; dim: number; length: number; names: (d: number) => string; testId: string; maxDims?: number }) {
  const shown = Math.min(dim, maxDims);
  const rows = [];
  for (let t = 0; t < length; t++) {
    const row: Record<string, number | null> = { t };
    for (let d = 0; d < shown; d++) {
      const v = values[t * dim + d];
      row[`d${d}`] = Number.isFinite(v) ? v : null;
    }
    rows.push(row);
  }
  return (
    <div className="ds-signals" data-testid={testId} data-steps={length} data-dims={shown}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="2 3" />
          <XAxis dataKey="t" type="number" domain={[0, 'dataMax']} allowDecimals={false} tick={{ fontSize: 10 }} height={18} />
          <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v)} tick={{ fontSize: 10 }} width={46} />
          <Tooltip isAnimationActive={false} formatter={(v, key) => [fmt(Number(v)), names(Number(String(key).slice(1)))]} labelFormatter={(l) => `step ${String(l)}`} />
          {Array.from({ length: shown }, (_, d) => (
            <Line key={d} dataKey={`d${d}`} stroke={seriesColor(d)} strokeWidth={1.2} dot={false} isAnimationActive={false} connectNulls={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      {dim > shown ? <p className="hint">First {shown} of {dim} dimensions shown.</p> : null}
    </div>
  );
}

export function LossSparkline({ losses }: { losses: number[] }) {
  const data = losses.map((loss, i) => ({ epoch: i + 1, loss }));
  return (
    <div className="ds-loss" data-testid="dataset-pretrain-loss" data-points={losses.length}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="2 3" />
          <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} tick={{ fontSize: 10 }} height={18} />
          <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => fmt(v)} tick={{ fontSize: 10 }} width={46} />
          <Line dataKey="loss" stroke={seriesColor(0)} strokeWidth={1.6} dot={losses.length <= 20 ? { r: 2 } : false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
