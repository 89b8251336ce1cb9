/**
 * Trace-over-time view for tasks whose trajectory view is 'series' (Gym locomotion: forward progress and
 * torso height): one small chart per trace dimension, one line per env of the iteration against env
 * steps, episodes that ended terminated (falls) marked with ×. The followed env is drawn on top.
 */
import { memo } from 'react';
import type { EnvPath } from '../../workers/protocol';
import type { TagDef, TrajectoryView } from '../../state/taskCatalog';
import { axisTicks } from '../../ui/axisTicks';
import { pathStyle } from './plotGeometry';
import './trajectories.css';

type SeriesView = Extract<TrajectoryView, { kind: 'series' }>;

const W = 320;
const H = 170;
const M = { left: 44, right: 8, top: 16, bottom: 26 };

export interface SeriesPlotProps {
  view: SeriesView;
  tags: readonly TagDef[];
  paths: readonly EnvPath[];
  followEnv: number | null;
  onPickEnv?: (env: number) => void;
}

function SeriesPlotImpl({ view, tags, paths, followEnv, onPickEnv }: SeriesPlotProps) {
  const maxSteps = Math.max(1, ...paths.map((p) => p.points.length / p.traceDim - 1));
  const falls = paths.filter((p) => p.terminated).length;
  return (
    <div className="tj-plot" data-testid="trajectory-plot" data-paths={paths.length}>
      <div className="tj-series">
        {view.series.map((s, d) => {
          let lo = Infinity;
          let hi = -Infinity;
          for (const p of paths) for (let i = d; i < p.points.length; i += p.traceDim) {
            lo = Math.min(lo, p.points[i]);
            hi = Math.max(hi, p.points[i]);
          }
          if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
          if (hi - lo < 1e-6) [lo, hi] = [lo - 0.5, hi + 0.5];
          const sx = (k: number) => M.left + (k / maxSteps) * (W - M.left - M.right);
          const sy = (v: number) => M.top + ((hi - v) / (hi - lo)) * (H - M.top - M.bottom);
          const yt = axisTicks(lo, hi, { target: 4, extend: false });
          const xt = axisTicks(0, maxSteps, { target: 4, extend: false, integer: true });
          const line = (p: EnvPath) => {
            let out = '';
            for (let k = 0, i = d; i < p.points.length; k++, i += p.traceDim) out += `${sx(k).toFixed(1)},${sy(p.points[i]).toFixed(1)} `;
            return out;
          };
          const order = [...paths.keys()].sort((a, b) => Number(paths[a].env === followEnv) - Number(paths[b].env === followEnv));
          return (
            <svg key={d} viewBox={`0 0 ${W} ${H}`} className="tj-svg" role="img" aria-label={`${s.label} over env steps for ${paths.length} envs`}>
              {yt.ticks.map((v) => (
                <g key={`y${v}`}>
                  <line className="tj-grid" x1={M.left} x2={W - M.right} y1={sy(v)} y2={sy(v)} />
                  <text className="tj-tick" x={M.left - 4} y={sy(v) + 4} textAnchor="end" fontSize={10}>
                    {yt.format(v)}
                  </text>
                </g>
              ))}
              {xt.ticks.map((k) => (
                <text key={`x${k}`} className="tj-tick" x={sx(k)} y={H - 8} textAnchor="middle" fontSize={10}>
                  {xt.format(k)}
                </text>
              ))}
              <text className="tj-axis" x={M.left} y={11} textAnchor="start">
                {s.label} ({s.unit})
              </text>
              <text className="tj-axis" x={W - M.right} y={H - 8} textAnchor="end">
                env steps
              </text>
              {order.map((i) => {
                const p = paths[i];
                const st = pathStyle(p, tags);
                const emph = p.env === followEnv;
                const n = p.points.length / p.traceDim;
                return (
                  <g key={i} onClick={() => onPickEnv?.(p.env)} style={{ cursor: 'pointer' }} data-env={p.env}>
                    <polyline points={line(p)} fill="none" stroke={emph ? 'var(--text)' : st.color} strokeWidth={emph ? 2.2 : 1} strokeOpacity={emph ? 1 : 0.6} />
                    {p.terminated && n > 0 ? (
                      <text className="tj-collide" x={sx(n - 1)} y={sy(p.points[(n - 1) * p.traceDim + d]) + 3} textAnchor="middle" fill={st.color}>
                        ×
                      </text>
                    ) : null}
                  </g>
                );
              })}
            </svg>
          );
        })}
      </div>
      <div className="tj-readout mono">
        {paths.length ? `${paths.length} episodes · ${falls} ended in a fall (×) · click a line to follow it` : 'no paths yet — they appear after the first rollout'}
      </div>
    </div>
  );
}

export const SeriesPlot = memo(SeriesPlotImpl);
