/**
 * Every run of this browser (persisted), newest first with pinned runs on top: colour, status, progress,
 * latest success rate, and pin / show-hide / CSV / delete. Hidden runs leave the curves; pinned runs are
 * never pruned (the store keeps the 24 most recent otherwise).
 */
import { useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { canContinue, continueRun, deleteRun, exportRunFile, importRunFile, isLive, setHidden, setPinned, useRuns, type Run } from '../../state/runs';
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

/** Saves bytes as a file through a temporary object URL. */
function downloadBytes(filename: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes.slice().buffer], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Opens run files (data/runFile.ts): a button with a file picker, and dropping a file anywhere on the run
 * list. The run joins the list with its curves; its policy goes to the checkpoint store (Policies page).
 */
function RunFileDrop({ children }: { children: ReactNode }) {
  const input = useRef<HTMLInputElement>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const open = async (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    setBusy(true);
    setNote(null);
    try {
      const { runId, policyRef } = await importRunFile(file.name, new Uint8Array(await file.arrayBuffer()));
      const run = useRuns.getState().runs[runId];
      setNote({ ok: true, text: `Opened ${file.name}: ${run?.label ?? runId}, ${run?.points.length ?? 0} iterations${policyRef ? `; its policy is stored as ${policyRef} (Policies page)` : ''}.` });
    } catch (e) {
      setNote({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void open(e.dataTransfer.files);
  };
  return (
    <div
      className={over ? 'xp-runfile-drop over' : 'xp-runfile-drop'}
      data-testid="run-file-drop"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      {children}
      <div className="xp-buttons xp-runfile-bar">
        <Button small variant="ghost" onClick={() => input.current?.click()} disabled={busy} data-testid="run-file-open" title="Open a run exported with ⤓ (a .zip): its curves join the list, its policy the Policies page">
          {busy ? 'Opening…' : 'Open run file…'}
        </Button>
        <span className="hint">or drop one here</span>
        <input ref={input} type="file" accept=".zip,application/zip" hidden data-testid="run-file-input" onChange={(e) => void open(e.target.files)} />
      </div>
      {note ? (
        <p className={note.ok ? 'hint' : 'xp-error'} role={note.ok ? 'status' : 'alert'} data-testid={note.ok ? 'run-file-opened' : 'run-file-error'}>
          {note.text}
        </p>
      ) : null}
    </div>
  );
}

function ExportButton({ run }: { run: Run }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      const { name, bytes } = await exportRunFile(run.id);
      downloadBytes(name, bytes);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      small
      variant="ghost"
      disabled={busy || isLive(run.status) || run.points.length === 0}
      onClick={() => void go()}
      data-testid="run-export"
      title={error ?? `Export this run as one file (.zip): config, seed, curves, ${run.savedState ? `the checkpoint after itr ${run.savedState.itr - 1}, ` : ''}provenance`}
      aria-label="export run file"
    >
      {busy ? '…' : error ? '⤓!' : '⤓'}
    </Button>
  );
}

export function RunList() {
  const runsById = useRuns((s) => s.runs);
  const order = useRuns((s) => s.order);
  const runs = useMemo(() => {
    const list = order.map((id) => runsById[id]).filter((r): r is Run => !!r);
    return [...list.filter((r) => r.pinned), ...list.filter((r) => !r.pinned)];
  }, [order, runsById]);
  const anyLive = runs.some((r) => isLive(r.status));

  if (runs.length === 0) {
    return (
      <RunFileDrop>
        <EmptyState title="No runs yet">
          <p>Press Start (or Space) to fine-tune; every run is kept here with its curves, even after a reload.</p>
        </EmptyState>
      </RunFileDrop>
    );
  }
  return (
    <RunFileDrop>
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
                {r.storageError ? (
                  <span className="xp-run-warn" data-testid="run-storage-error" title={r.storageError} aria-label="training state not saved">
                    ⚠ not saved
                  </span>
                ) : null}
              </span>
            </td>
            <td className="num mono" title={`complete iterations / planned${r.savedState ? `; training state saved after itr ${r.savedState.itr - 1}` : ''}`} data-saved-itr={r.savedState?.itr ?? ''}>
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
              {canContinue(r) ? (
                <Button
                  small
                  variant="ghost"
                  disabled={anyLive}
                  onClick={() => void continueRun(r.id)}
                  data-testid="run-continue"
                  title={anyLive ? 'Not now: another run is going' : `Resume from the saved state after itr ${r.savedState!.itr - 1}`}
                  aria-label="resume run"
                >
                  ▶
                </Button>
              ) : null}
              <ExportButton run={r} />
              <Button small variant="ghost" disabled={isLive(r.status)} onClick={() => deleteRun(r.id)} title="Delete this run" aria-label="delete run">
                ×
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </RunFileDrop>
  );
}
