/**
 * One panel of the robustness figure (paper Fig. 12 style): average return against one perturbation (action
 * noise σ, or the initial-state noise scale k), one line per policy in its series colour. Small SVG, drawn
 * from the finished cells only, so it fills in while the study runs.
 */
import { axisTicks } from '../../ui/axisTicks';
import { seriesColor } from '../../ui/palette';

export interface RobustnessSeries {
  name: string;
  /** (x, average return) per finished cell, in x order. */
  points: { x: number; y: number }[];
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : '–';
}

export function RobustnessChart({ title, xLabel, xs, series, testId }: { title: string; xLabel: string; xs: readonly number[]; series: readonly RobustnessSeries[]; testId: string }) {
  const W = 340;
  const H = 220;
  const M = { l: 52, r: 10, t: 10, b: 34 };
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (!(x1 > x0)) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (!(y1 > y0)) {
    y0 -= 1;
    y1 += 1;
  }
  const yt = axisTicks(y0, y1, { target: 4, extend: true });
  [y0, y1] = yt.domain;
  const sx = (x: number) => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (y: number) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
  return (
    <figure className="robust-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${series.map((s) => s.name).join(' and ')}`}>
        {yt.ticks.map((v, i) => (
          <g key={`y${i}`}>
            <line x1={M.l} x2={W - M.r} y1={sy(v)} y2={sy(v)} stroke="var(--border)" strokeDasharray="2 3" />
            <text x={M.l - 4} y={sy(v) + 3} textAnchor="end" fontSize={9} fill="var(--text-dim)">
              {yt.format(v)}
            </text>
          </g>
        ))}
        {xs.map((v, i) => (
          <text key={`x${i}`} x={sx(v)} y={H - M.b + 12} textAnchor="middle" fontSize={9} fill="var(--text-dim)">
            {fmt(v)}
          </text>
        ))}
        {series.map((s, k) => (
          <g key={s.name} data-testid="robust-series" data-name={s.name} data-points={s.points.length}>
            <polyline points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')} fill="none" stroke={seriesColor(k)} strokeWidth={1.8} />
            {s.points.map((p) => (
              <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={3} fill={seriesColor(k)}>
                <title>{`${s.name}: return ${fmt(p.y)} at ${xLabel} ${fmt(p.x)}`}</title>
              </circle>
            ))}
          </g>
        ))}
        <text x={(M.l + W - M.r) / 2} y={H - 4} textAnchor="middle" fontSize={10} fill="var(--text-dim)">
          {xLabel}
        </text>
        <text x={11} y={(M.t + H - M.b) / 2} textAnchor="middle" fontSize={10} fill="var(--text-dim)" transform={`rotate(-90 11 ${(M.t + H - M.b) / 2})`}>
          average return
        </text>
      </svg>
      <div className="robust-legend">
        {series.map((s, k) => (
          <span key={s.name}>
            <i style={{ background: seriesColor(k) }} /> {s.name}
          </span>
        ))}
      </div>
    </figure>
  );
}
