/**
 * Top-down plot of the Avoid table (paper Fig. 9): the six pillars, the finish line, the start, and every
 * env's tip path of one iteration coloured by its row-3 mode (collided paths dashed). Clicking picks a
 * state for the inspector: the nearest path vertex within 1.5 cm, else the clicked table point.
 */
import { memo, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { EnvPath } from '../../train/events';
import { FINISH_Y, MODES, PILLARS, START, VIEW, X_BOUNDS, modeColor, modeCounts, nearestVertex } from './avoidGeometry';
import './trajectories.css';

/** Pixels per metre in the SVG's own coordinates (the SVG scales to its box). */
const S = 500;
const M = { left: 44, right: 10, top: 10, bottom: 34 };
const W = M.left + (VIEW.x1 - VIEW.x0) * S + M.right;
const H = M.top + (VIEW.y1 - VIEW.y0) * S + M.bottom;
const sx = (x: number): number => M.left + (x - VIEW.x0) * S;
const sy = (y: number): number => M.top + (VIEW.y1 - y) * S;
const SNAP_M = 0.015;
const X_TICKS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const Y_TICKS = [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4];

export interface TrajectoryPick {
  x: number;
  y: number;
  /** Env and step of the snapped path vertex, or null for a free point. */
  env: number | null;
  step: number | null;
}

export interface TrajectoryPlotProps {
  paths: readonly EnvPath[];
  /** Env drawn on top and thicker (the one the 3-D viewer follows). */
  followEnv: number | null;
  /** The inspected state's tip position, drawn as a cross. */
  marker: { x: number; y: number } | null;
  onPick?: (pick: TrajectoryPick) => void;
}

function polyline(points: Float32Array): string {
  let s = '';
  for (let i = 0; i + 1 < points.length; i += 2) s += `${sx(points[i]).toFixed(1)},${sy(points[i + 1]).toFixed(1)} `;
  return s;
}

function TrajectoryPlotImpl({ paths, followEnv, marker, onPick }: TrajectoryPlotProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const lines = useMemo(() => paths.map((p) => polyline(p.points)), [paths]);
  const counts = useMemo(() => modeCounts(paths), [paths]);
  const followIdx = paths.findIndex((p) => p.env === followEnv);

  const toTable = (e: MouseEvent<SVGSVGElement>): { x: number; y: number } | null => {
    const svg = svgRef.current;
    const ctm = svg?.getScreenCTM();
    if (!svg || !ctm) return null;
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    return { x: VIEW.x0 + (pt.x - M.left) / S, y: VIEW.y1 - (pt.y - M.top) / S };
  };

  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    const p = toTable(e);
    const hit = p ? nearestVertex(paths, p.x, p.y, SNAP_M) : null;
    const next = hit ? hit.path : null;
    if (next !== hover) setHover(next);
  };

  const onClick = (e: MouseEvent<SVGSVGElement>) => {
    const p = toTable(e);
    if (!p || !onPick) return;
    const hit = nearestVertex(paths, p.x, p.y, SNAP_M);
    if (hit) onPick({ x: hit.x, y: hit.y, env: paths[hit.path].env, step: hit.vertex });
    else onPick({ x: p.x, y: p.y, env: null, step: null });
  };

  const hovered = hover !== null ? paths[hover] : null;
  const emphasis = (i: number) => i === hover || i === followIdx;

  return (
    <div className="tj-plot">
      <svg
        ref={svgRef}
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="xMidYMid meet"
        className="tj-svg"
        role="img"
        aria-label={`Top-down view of ${paths.length} env paths`}
        data-testid="trajectory-plot"
        data-paths={paths.length}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
        onClick={onClick}
      >
        <rect className="tj-oob" x={sx(VIEW.x0)} y={sy(VIEW.y1)} width={(X_BOUNDS[0] - VIEW.x0) * S} height={(VIEW.y1 - VIEW.y0) * S} />
        <rect className="tj-oob" x={sx(X_BOUNDS[1])} y={sy(VIEW.y1)} width={(VIEW.x1 - X_BOUNDS[1]) * S} height={(VIEW.y1 - VIEW.y0) * S} />
        {X_TICKS.map((x) => (
          <g key={`x${x}`}>
            <line className="tj-grid" x1={sx(x)} x2={sx(x)} y1={sy(VIEW.y1)} y2={sy(VIEW.y0)} />
            <text className="tj-tick" x={sx(x)} y={H - M.bottom + 16} textAnchor="middle">
              {x.toFixed(1)}
            </text>
          </g>
        ))}
        {Y_TICKS.map((y) => (
          <g key={`y${y}`}>
            <line className="tj-grid" x1={sx(VIEW.x0)} x2={sx(VIEW.x1)} y1={sy(y)} y2={sy(y)} />
            <text className="tj-tick" x={M.left - 5} y={sy(y) + 4} textAnchor="end">
              {y.toFixed(1)}
            </text>
          </g>
        ))}
        <text className="tj-axis" x={W - M.right} y={H - 2} textAnchor="end">
          x (m)
        </text>
        <text className="tj-axis" x={M.left + 4} y={M.top + 14} textAnchor="start">
          y (m)
        </text>
        <line className="tj-finish" x1={sx(VIEW.x0)} x2={sx(VIEW.x1)} y1={sy(FINISH_Y)} y2={sy(FINISH_Y)} />
        <text className="tj-finish-label" x={sx(VIEW.x1) - 6} y={sy(FINISH_Y) - 6} textAnchor="end">
          finish y = 0.4
        </text>
        {PILLARS.map((p, i) => (
          <circle key={i} className="tj-pillar" cx={sx(p.x)} cy={sy(p.y)} r={p.r * S} />
        ))}
        {paths.map((p, i) =>
          emphasis(i) ? null : (
            <polyline
              key={i}
              points={lines[i]}
              fill="none"
              stroke={modeColor(p.mode)}
              strokeWidth={1.1}
              strokeOpacity={p.collided ? 0.55 : 0.8}
              strokeDasharray={p.collided ? '4 3' : undefined}
            />
          ),
        )}
        {paths.map((p, i) =>
          emphasis(i) ? (
            <polyline
              key={`e${i}`}
              points={lines[i]}
              fill="none"
              stroke={modeColor(p.mode)}
              strokeWidth={2.6}
              strokeDasharray={p.collided ? '5 3' : undefined}
              className="tj-emph"
            />
          ) : null,
        )}
        {paths.map((p, i) =>
          p.collided && p.points.length >= 2 ? (
            <text key={`c${i}`} className="tj-collide" x={sx(p.points[p.points.length - 2])} y={sy(p.points[p.points.length - 1]) + 3} textAnchor="middle" fill={modeColor(p.mode)}>
              ×
            </text>
          ) : null,
        )}
        <circle className="tj-start" cx={sx(START.x)} cy={sy(START.y)} r={5} />
        <text className="tj-tick" x={sx(START.x) + 8} y={sy(START.y) + 4}>
          start
        </text>
        {marker ? (
          <g className="tj-marker" transform={`translate(${sx(marker.x)},${sy(marker.y)})`}>
            <line x1={-7} x2={7} y1={0} y2={0} />
            <line x1={0} x2={0} y1={-7} y2={7} />
            <circle r={4} fill="none" />
          </g>
        ) : null}
      </svg>
      <div className="tj-readout mono">
        {hovered
          ? `env ${hovered.env} · ${hovered.mode >= 5 ? `mode ${hovered.mode}` : 'not past row 3'} · ${hovered.success ? 'success' : 'no success'}${hovered.collided ? ' · collided' : ''} — click to inspect & follow`
          : paths.length
            ? `${paths.length} paths · ${counts.success} successful · ${counts.collided} collided`
            : 'no paths yet — they appear after the first rollout'}
      </div>
      <ul className="tj-legend" aria-label="Mode legend">
        {MODES.map((m) => (
          <li key={m.mode}>
            <span className="tj-swatch" style={{ background: m.color }} />
            {m.label}
            <span className="tj-count">{counts.byMode.get(m.mode) ?? 0}</span>
          </li>
        ))}
        <li>
          <span className="tj-swatch dashed" />
          collided ×<span className="tj-count">{counts.collided}</span>
        </li>
      </ul>
    </div>
  );
}

export const TrajectoryPlot = memo(TrajectoryPlotImpl);
