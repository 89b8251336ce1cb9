/**
 * One learning curve with every visible run overlaid: the smoothed series solid, the raw series faint
 * behind it (TensorBoard style); hovering shows every run's value at that x (last point at or before it).
 */
import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { axisTicks, valueRange, type AxisTicks } from '../../ui/axisTicks';
import { seriesColor } from '../../ui/palette';
import { compactNumber, type MetricDef } from './metricDefs';
import { mergeSeries, nearestAtOrBefore, rawKey, smoothKey, type RunSeries } from './series';

export interface ChartRun {
  id: string;
  label: string;
  colorIndex: number;
}

/** A vertical marker at x (a run's collapse warning on this metric; train/divergence.ts). */
export interface ChartMarker {
  runId: string;
  x: number;
  title: string;
}

export interface MetricChartProps {
  def: MetricDef;
  runs: ChartRun[];
  series: RunSeries[];
  xLabel: string;
  smoothing: number;
  markers?: ChartMarker[];
}

interface HoverProps {
  active?: boolean;
  label?: number | string;
  runs: ChartRun[];
  series: RunSeries[];
  xLabel: string;
  smoothing: number;
}

function AllRunsTooltip({ active, label, runs, series, xLabel, smoothing }: HoverProps) {
  if (!active || label === undefined) return null;
  const x = Number(label);
  return (
    <div className="mc-tooltip">
      <div className="mc-tooltip-x">
        {xLabel} {compactNumber(x)}
      </div>
      {series.map((s) => {
        const run = runs.find((r) => r.id === s.runId);
        const i = nearestAtOrBefore(s.xs, x);
        if (!run || i < 0) return null;
        return (
          <div key={s.runId} className="mc-tooltip-row">
            <span className="mc-swatch" style={{ background: seriesColor(run.colorIndex) }} />
            <span className="mc-tooltip-label">{run.label}</span>
            <span className="mc-tooltip-val">{compactNumber(smoothing > 0 ? s.smooth[i] : s.raw[i])}</span>
            {smoothing > 0 ? <span className="mc-tooltip-raw">raw {compactNumber(s.raw[i])}</span> : null}
          </div>
        );
      })}
    </div>
  );
}

const NO_MARKERS: ChartMarker[] = [];

/**
 * Explicit ticks for both axes (src/ui/axisTicks.ts): y over the plotted values (raw too when smoothing
 * shows it) or the metric's fixed domain, widened to whole steps; x over the data range, whole numbers when
 * every x is one (iterations, env steps).
 */
function chartAxes(def: MetricDef, series: RunSeries[], smoothing: number): { x: AxisTicks; y: AxisTicks } {
  const xs = series.flatMap((s) => s.xs);
  const xr = valueRange(xs) ?? [0, 1];
  const x = axisTicks(xr[0], xr[1], { extend: false, integer: xs.every(Number.isInteger), target: 4 });
  const ys = series.flatMap((s) => (smoothing > 0 ? [...s.smooth, ...s.raw] : s.smooth));
  const yr = def.domain ?? valueRange(ys) ?? [0, 1];
  const y = axisTicks(yr[0], yr[1], { target: 4 });
  return { x, y };
}

function MetricChartImpl({ def, runs, series, xLabel, smoothing, markers = NO_MARKERS }: MetricChartProps) {
  const rows = useMemo(() => mergeSeries(series), [series]);
  const colorOf = useMemo(() => new Map(runs.map((r) => [r.id, seriesColor(r.colorIndex)])), [runs]);
  const last = series.length === 1 && series[0].smooth.length ? series[0].smooth[series[0].smooth.length - 1] : null;
  const sparse = series.every((s) => s.xs.length <= 12);
  const { x: xAxis, y: yAxis } = useMemo(() => chartAxes(def, series, smoothing), [def, series, smoothing]);
  const yWidth = Math.max(42, 8 + 6 * Math.max(...yAxis.ticks.map((t) => yAxis.format(t).length)));
  return (
    <div className="mc-chart" data-testid={`chart-${def.key}`} data-points={series.reduce((n, s) => n + s.xs.length, 0)} data-markers={markers.length}>
      <div className="mc-chart-head">
        <span className="mc-chart-title">{def.title}</span>
        <span className="mc-chart-unit" title={def.unit}>{def.unit}</span>
        {markers.length ? (
          <span className="mc-chart-warn" title={markers.map((m) => m.title).join('\n')}>
            ⚠
          </span>
        ) : null}
        {last !== null ? <span className="mc-chart-last">{compactNumber(last)}</span> : null}
      </div>
      <div className="mc-chart-body">
        {rows.length === 0 ? (
          <div className="mc-chart-empty">no data yet</div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 4, right: 10, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="2 3" />
              <XAxis
                dataKey="x"
                type="number"
                domain={xAxis.domain}
                ticks={xAxis.ticks}
                interval={0}
                allowDataOverflow
                tickFormatter={xAxis.format}
                tick={{ fontSize: 10 }}
                height={26}
                label={{ value: xLabel, position: 'insideBottomRight', offset: 0, fontSize: 10 }}
              />
              <YAxis
                type="number"
                domain={yAxis.domain}
                ticks={yAxis.ticks}
                interval={0}
                tickFormatter={yAxis.format}
                tick={{ fontSize: 10 }}
                width={yWidth + 12}
                allowDataOverflow={false}
                label={{ value: def.unit, angle: -90, position: 'insideLeft', offset: 2, fontSize: 9, style: { textAnchor: 'middle' } }}
              />
              <Tooltip
                isAnimationActive={false}
                content={(p) => (
                  <AllRunsTooltip active={p.active} label={p.label as number | undefined} runs={runs} series={series} xLabel={xLabel} smoothing={smoothing} />
                )}
              />
              {smoothing > 0
                ? series.map((s) => (
                    <Line
                      key={`raw-${s.runId}`}
                      dataKey={rawKey(s.runId)}
                      stroke={colorOf.get(s.runId)}
                      strokeOpacity={0.25}
                      strokeWidth={1}
                      dot={false}
                      activeDot={false}
                      connectNulls
                      isAnimationActive={false}
                    />
                  ))
                : null}
              {markers.map((m, i) => (
                <ReferenceLine
                  key={`warn-${m.runId}-${i}`}
                  x={m.x}
                  stroke={colorOf.get(m.runId) ?? 'var(--warn)'}
                  strokeDasharray="3 3"
                  ifOverflow="extendDomain"
                  label={{ value: '⚠', position: 'insideTop', fontSize: 11, fill: 'var(--warn)' }}
                />
              ))}
              {series.map((s) => (
                <Line
                  key={`smooth-${s.runId}`}
                  dataKey={smoothKey(s.runId)}
                  stroke={colorOf.get(s.runId)}
                  strokeWidth={1.6}
                  dot={sparse ? { r: 2, strokeWidth: 0, fill: colorOf.get(s.runId) } : false}
                  activeDot={{ r: 3 }}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
}

export const MetricChart = memo(MetricChartImpl);
