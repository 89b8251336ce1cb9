/**
 * Every run of this browser (persisted), newest first with pinned runs on top: colour, status, progress,
 * latest success rate, and pin / show-hide / CSV / delete. Hidden runs leave the curves; pinned runs are
 * never pruned (the store keeps the 24 most recent otherwise).
 */
import { useMemo } from 'react';
import { deleteRun, isLive, setHidden, setPinned, useRuns, type Run } from '../../state/runs';
import { Button } from '../../ui/Button';
import { EmptyState } from '../../ui/EmptyState';
import { seriesColor } from '../../ui/palette';
import { StatusDot } from '../../ui/StatusDot';
import { downloadText, runsToCsv } from '../metrics/csv';
import { statusOf } from './RunControls';

function lastMetric(run: Run, key: 'charts/success_rate' | 'charts/avg_return'): string {
  for (let i = run.points.length - 1; i >= 0; i--) {
    const v = run.points[i].metrics[key];
    if (v !== undefined && Number.isFinite(v)) return key === 'charts/success_rate' ? `${Math.round(v * 100)}%` : v.toFixed(1);
  }
  return '—';
}

export function RunList() {
  const runsById = useRuns((s) => s.runs);
  const order = useRuns((s) => s.order);
  const runs = useMemo(() => {
    const list = order.map((id) => runsById[id]).filter((r): r is Run => !!r);
    return [...list.filter((r) => r.pinned), ...list.filter((r) => !r.pinned)];
  }, [order, runsById]);

  if (runs.length === 0) {
    return (
      <EmptyState title="No runs yet">
        <p>Press Start (or Space) to fine-tune; every run is kept here with its curves, even after a reload.</p>
      </EmptyState>
    );
  }
  return (
    <table className="xp-runs" data-testid="run-list">
      <thead>
        <tr>
          <th aria-label="colour" />
          <th>run</th>
          <th>status</th>
          <th className="num">itr</th>
          <th className="num" title="success rate of the latest iteration">succ.</th>
          <th className="num" title="average return of the latest iteration">return</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} className={r.hidden ? 'hidden-run' : ''} data-run={r.id} data-status={r.status}>
            <td>
              <button
                type="button"
                className="xp-swatch-btn"
                style={{ background: r.hidden ? 'transparent' : seriesColor(r.colorIndex), borderColor: seriesColor(r.colorIndex) }}
                onClick={() => setHidden(r.id, !r.hidden)}
                aria-label={r.hidden ? 'show in charts' : 'hide from charts'}
                title={r.hidden ? 'Show in charts' : 'Hide from charts'}
              />
            </td>
            <td className="xp-run-label" title={`${r.label}\ncreated ${new Date(r.createdAt).toLocaleString()}\ncheckpoint ${r.checkpoint}${r.error ? `\nerror: ${r.error}` : ''}${r.lastGood ? `\nlast good weights: ${r.lastGood.checkpoint}` : ''}`}>
              {r.label}
            </td>
            <td>
              <span className="xp-status">
                <StatusDot status={statusOf(r)} label={r.status} />
                {r.status}
                {r.warnings?.length ? (
                  <span
                    className="xp-run-warn"
                    data-testid="run-warning-badge"
                    title={r.warnings.map((w) => `itr ${w.itr}: ${w.message}`).join('\n')}
                    aria-label={`${r.warnings.length} collapse warning${r.warnings.length === 1 ? '' : 's'}`}
                  >
                    ⚠{r.warnings.length > 1 ? r.warnings.length : ''}
                  </span>
                ) : null}
              </span>
            </td>
            <td className="num mono" title="complete iterations / planned">
              {r.points.length}/{r.totalIterations}
            </td>
            <td className="num mono">{lastMetric(r, 'charts/success_rate')}</td>
            <td className="num mono">{lastMetric(r, 'charts/avg_return')}</td>
            <td className="xp-run-actions">
              <Button small variant="ghost" aria-pressed={r.pinned} onClick={() => setPinned(r.id, !r.pinned)} title={r.pinned ? 'Unpin' : 'Pin: keep at the top and never prune'}>
                {r.pinned ? '★' : '☆'}
              </Button>
              <Button small variant="ghost" disabled={r.points.length === 0} onClick={() => downloadText(`${r.id}.csv`, runsToCsv([r]))} title="Download this run's per-iteration scalars as CSV">
                CSV
              </Button>
              <Button small variant="ghost" disabled={isLive(r.status)} onClick={() => deleteRun(r.id)} title="Delete this run" aria-label="delete run">
                ×
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
