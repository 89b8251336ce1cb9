/**
 * The learning curves panel: x-axis choice (env steps / wall-clock / iteration), a smoothing slider
 * (debiased EMA, raw series faint behind), one small chart per metric with every visible run overlaid,
 * downsampled to a few hundred points per series. Re-renders only when a run gains an iteration.
 */
import { useMemo, useState } from 'react';
import { useRuns, type Run } from '../../state/runs';
import { Button } from '../../ui/Button';
import { downloadText, runsToCsv } from './csv';
import { MetricChart, type ChartMarker, type ChartRun } from './MetricChart';
import { METRICS, X_AXES, type XAxisKind } from './metricDefs';
import { buildSeries, type RunSeries } from './series';
import './metrics.css';

const MAX_POINTS = 300;

function xOf(p: Run['points'][number], kind: XAxisKind): number {
  return kind === 'envSteps' ? p.envSteps : kind === 'wallS' ? p.wallS : p.itr;
}

export function MetricsPanel({ compact = false }: { compact?: boolean }) {
  const runsById = useRuns((s) => s.runs);
  const order = useRuns((s) => s.order);
  const [xKind, setXKind] = useState<XAxisKind>('envSteps');
  const [smoothing, setSmoothing] = useState(0.6);

  const visible = useMemo(() => order.map((id) => runsById[id]).filter((r): r is Run => !!r && !r.hidden && r.points.length > 0), [order, runsById]);
  const chartRuns: ChartRun[] = useMemo(() => visible.map((r) => ({ id: r.id, label: r.label, colorIndex: r.colorIndex })), [visible]);
  const seriesByMetric = useMemo(() => {
    const out = new Map<string, RunSeries[]>();
    for (const def of METRICS) {
      out.set(
        def.key,
        visible
          .map((r) => buildSeries(r.id, r.points.map((p) => xOf(p, xKind)), r.points.map((p) => p.metrics[def.key] ?? NaN), smoothing, MAX_POINTS))
          .filter((s) => s.xs.length > 0),
      );
    }
    return out;
  }, [visible, xKind, smoothing]);

  // Collapse warnings (train/divergence.ts) as markers on the curve of the metric they are about.
  const markersByMetric = useMemo(() => {
    const out = new Map<string, ChartMarker[]>();
    for (const r of visible) {
      for (const w of r.warnings ?? []) {
        const p = r.points.find((q) => q.itr === w.itr);
        if (!p) continue;
        const list = out.get(w.metric) ?? [];
        list.push({ runId: r.id, x: xOf(p, xKind), title: `${r.label}, itr ${w.itr}: ${w.message}` });
        out.set(w.metric, list);
      }
    }
    return out;
  }, [visible, xKind]);

  return (
    <div className={compact ? 'mc-panel compact' : 'mc-panel'}>
      <div className="mc-toolbar">
        <label className="mc-field">
          x-axis
          <select value={xKind} onChange={(e) => setXKind(e.target.value as XAxisKind)} aria-label="x-axis">
            {(Object.keys(X_AXES) as XAxisKind[]).map((k) => (
              <option key={k} value={k}>
                {X_AXES[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="mc-field" title="Debiased exponential moving average weight; the raw series is drawn faintly behind">
          smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="smoothing" />
          <span className="mono mc-smooth-val">{smoothing.toFixed(2)}</span>
        </label>
        <span className="mc-toolbar-spacer" />
        <span className="hint">{visible.length} run{visible.length === 1 ? '' : 's'} shown</span>
        <Button small disabled={visible.length === 0} onClick={() => downloadText('dppo-runs.csv', runsToCsv(visible))} title="Per-iteration scalars of the shown runs">
          CSV
        </Button>
      </div>
      <div className="mc-grid">
        {METRICS.map((def) => (
          <MetricChart key={def.key} def={def} runs={chartRuns} series={seriesByMetric.get(def.key) ?? []} markers={markersByMetric.get(def.key)} xLabel={X_AXES[xKind]} smoothing={smoothing} />
        ))}
      </div>
    </div>
  );
}
