/**
 * Top-down plot of a task's plane trajectory view (paper Fig. 9 for Avoid): the task's static shapes
 * (obstacles, lines, start) and every env's trace path of one iteration, coloured and dashed by the task's
 * tags. Clicking picks a state for the inspector: the nearest path vertex within 1.5 % of the window, else
 * the clicked point.
 */
import { memo, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { EnvPath } from '../../workers/protocol';
import type { TagDef, TrajectoryView } from '../../state/taskCatalog';
import { axisTicks } from '../../ui/axisTicks';
import { legendEntries, nearestVertex, pathStyle } from './plotGeometry';
import './trajectories.css';

type PlaneView = Extract<TrajectoryView, { kind: 'plane' }>;

const M = { left: 44, right: 10, top: 10, bottom: 34 };

export interface TrajectoryPick {
  x: number;
  y: number;
  /** Env and step of the snapped path vertex, or null for a free point. */
  env: number | null;
  step: number | null;
}

export interface TrajectoryPlotProps {
  view: PlaneView;
  tags: readonly TagDef[];
  paths: readonly EnvPath[];
  /** Env drawn on top and thicker (the one the 3-D viewer follows). */
  followEnv: number | null;
  /** The inspected state's position in the plane, drawn as a cross. */
  marker: { x: number; y: number } | null;
  onPick?: (pick: TrajectoryPick) => void;
}

function TrajectoryPlotImpl({ view, tags, paths, followEnv, marker, onPick }: TrajectoryPlotProps) {
  const [x0, x1, y0, y1] = view.window;
  /** Pixels per task unit in the SVG's own coordinates (the SVG scales to its box). */
  const S = 320 / Math.max(x1 - x0, (y1 - y0) * 0.75);
  const W = M.left + (x1 - x0) * S + M.right;
  const H = M.top + (y1 - y0) * S + M.bottom;
  const sx = (x: number): number => M.left + (x - x0) * S;
  const sy = (y: number): number => M.top + (view.yDown ? y - y0 : y1 - y) * S;
  const snap = 0.015 * Math.max(x1 - x0, y1 - y0);
  const xTicks = axisTicks(x0, x1, { target: 6, extend: false });
  const yTicks = axisTicks(y0, y1, { target: 6, extend: false });
  const polyline = (p: EnvPath): string => {
    let out = '';
    for (let i = 0; i + 1 < p.points.length; i += p.traceDim) out += `${sx(p.points[i]).toFixed(1)},${sy(p.points[i + 1]).toFixed(1)} `;
    return out;
  };
  const svgRef = useRef<SVGSVGElement>(null);
  const [hover, setHover] = useState<number | null>(null);
    const lines = useMemo(() => paths.map(polyline), [paths, view]);
  const styles = useMemo(() => paths.map((p) => pathStyle(p, tags)), [paths, tags]);
  const legend = useMemo(() => legendEntries(paths, tags), [paths, tags]);
  const successes = paths.filter((p) => p.success).length;
  const followIdx = paths.findIndex((p) => p.env === followEnv);

  const toTable = (e: MouseEvent<SVGSVGElement>): { x: number; y: number } | null => {
    const svg = svgRef.current;
    const ctm = svg?.getScreenCTM();
    if (!svg || !ctm) return null;
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    return { x: x0 + (pt.x - M.left) / S, y: view.yDown ? y0 + (pt.y - M.top) / S : y1 - (pt.y - M.top) / S };
  };

  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    const p = toTable(e);
    const hit = p ? nearestVertex(paths, p.x, p.y, snap) : null;
    const next = hit ? hit.path : null;
    if (next !== hover) setHover(next);
  };

  const onClick = (e: MouseEvent<SVGSVGElement>) => {
    const p = toTable(e);
    if (!p || !onPick) return;
    const hit = nearestVertex(paths, p.x, p.y, snap);
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
        {xTicks.ticks.map((x) => (
          <g key={`x${x}`}>
            <line className="tj-grid" x1={sx(x)} x2={sx(x)} y1={sy(y1)} y2={sy(y0)} />
            <text className="tj-tick" x={sx(x)} y={H - M.bottom + 16} textAnchor="middle">
              {xTicks.format(x)}
            </text>
          </g>
        ))}
        {yTicks.ticks.map((y) => (
          <g key={`y${y}`}>
            <line className="tj-grid" x1={sx(x0)} x2={sx(x1)} y1={sy(y)} y2={sy(y)} />
            <text className="tj-tick" x={M.left - 5} y={sy(y) + 4} textAnchor="end">
              {yTicks.format(y)}
            </text>
          </g>
        ))}
        <text className="tj-axis" x={W - M.right} y={H - 2} textAnchor="end">
          {view.xLabel} ({view.unit})
        </text>
        <text className="tj-axis" x={M.left + 4} y={M.top + 14} textAnchor="start">
          {view.yLabel} ({view.unit})
        </text>
        {view.shapes.map((sh, i) => {
          switch (sh.kind) {
            case 'circle':
              return <circle key={i} className="tj-pillar" cx={sx(sh.x)} cy={sy(sh.y)} r={sh.r * S} />;
            case 'hline':
              return (
                <g key={i}>
                  <line className="tj-finish" x1={sx(x0)} x2={sx(x1)} y1={sy(sh.y)} y2={sy(sh.y)} />
                  {sh.label ? <text className="tj-finish-label" x={sx(x1) - 6} y={sy(sh.y) - 6} textAnchor="end">{sh.label}</text> : null}
                </g>
              );
            case 'vline':
              return <line key={i} className="tj-bound" x1={sx(sh.x)} x2={sx(sh.x)} y1={sy(y0)} y2={sy(y1)} />;
            case 'point':
              return <circle key={i} className="tj-start" cx={sx(sh.x)} cy={sy(sh.y)} r={3} />;
          }
        })}
        {paths.map((_p, i) =>
          emphasis(i) ? null : (
            <polyline
              key={i}
              points={lines[i]}
              fill="none"
              stroke={styles[i].color}
              strokeWidth={1.1}
              strokeOpacity={styles[i].dashed ? 0.55 : 0.8}
              strokeDasharray={styles[i].dashed ? '4 3' : undefined}
            />
          ),
        )}
        {paths.map((_p, i) =>
          emphasis(i) ? (
            <polyline key={`e${i}`} points={lines[i]} fill="none" stroke={styles[i].color} strokeWidth={2.6} strokeDasharray={styles[i].dashed ? '5 3' : undefined} className="tj-emph" />
          ) : null,
        )}
        {paths.map((p, i) =>
          styles[i].dashed && p.points.length >= 2 ? (
            <text key={`c${i}`} className="tj-collide" x={sx(p.points[p.points.length - p.traceDim])} y={sy(p.points[p.points.length - p.traceDim + 1]) + 3} textAnchor="middle" fill={styles[i].color}>
              ×
            </text>
          ) : null,
        )}
        {view.start ? (
          <g>
            <circle className="tj-start" cx={sx(view.start[0])} cy={sy(view.start[1])} r={5} />
            <text className="tj-tick" x={sx(view.start[0]) + 8} y={sy(view.start[1]) + 4}>
              start
            </text>
          </g>
        ) : null}
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
          ? `env ${hovered.env} · ${legendLabel(hovered, tags)} · ${hovered.success ? 'success' : 'no success'} — click to inspect & follow`
          : paths.length
            ? `${paths.length} paths · ${successes} successful`
            : 'no paths yet — they appear after the first rollout'}
      </div>
      <ul className="tj-legend" aria-label="Path legend">
        {legend.map((m) => (
          <li key={m.label}>
            <span className={m.dashed ? 'tj-swatch dashed' : 'tj-swatch'} style={m.dashed ? undefined : { background: m.color }} />
            {m.label}
            <span className="tj-count">{m.count}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The category label of a path's first category tag, plus flag labels that are set. */
function legendLabel(p: EnvPath, tags: readonly TagDef[]): string {
  const parts: string[] = [];
  for (const t of tags) {
    const v = p.tags[t.key];
    if (t.kind === 'category' && t.categories) parts.push((t.categories.find((c) => c.value === v) ?? t.categories[t.categories.length - 1]).label);
    else if (t.kind === 'flag' && v) parts.push(t.label);
  }
  return parts.join(' · ') || 'path';
}

export const TrajectoryPlot = memo(TrajectoryPlotImpl);
