/**
 * Header badge with the active tfjs backend; opens a panel that lists every backend with why it was chosen
 * or skipped (and what the automatic choice timed: the run's workload once known), lets the user override
 * the choice (persisted), and opens the in-app benchmark (BenchPanel).
 */
import { useEffect, useRef, useState } from 'react';
import { requestBackend, useApp, type BackendChoice } from '../state/app';
import { StatusDot } from '../ui/StatusDot';
import { BenchPanel } from './BenchPanel';
import type { BackendName, BackendProbe } from '../workers/protocol';

export const BACKEND_LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };
const CHOICES: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

function probeState(p: BackendProbe, active: BackendName): string {
  if (p.name === active) return 'active';
  if (!p.available) return 'unavailable';
  return 'skipped';
}

export function BackendMenu() {
  const { report, requested, pending, error } = useApp((s) => s.backend);
  const [open, setOpen] = useState(false);
  const [benchOpen, setBenchOpen] = useState(false);
  const boxRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!boxRef.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const label = report ? BACKEND_LABEL[report.active] : '…';
  const status = error ? 'error' : pending ? 'busy' : 'ok';
  const statusText = error ? 'backend error' : pending ? 'choosing backend' : 'backend ready';

  return (
    <div className="backend" ref={boxRef}>
      <button
        type="button"
        className="backend-button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="dialog"
        data-testid="backend-button"
        title={report ? report.probes.map((p) => `${BACKEND_LABEL[p.name]}: ${p.reason}`).join('\n') : 'tfjs backend used for training and sampling'}
      >
        <StatusDot status={status} label={statusText} />
        <span className="backend-key">Backend</span>
        <span className="backend-name" data-testid="backend-label" data-backend={report?.active ?? ''} data-pending={pending ? 'true' : 'false'}>
          {label}
        </span>
        {requested !== 'auto' ? <span className="backend-override">override</span> : null}
      </button>
      {open ? (
        <div className={benchOpen ? 'popover wide' : 'popover'} role="dialog" aria-label="Compute backend" data-testid="backend-popover">
          {error ? <p className="popover-error">{error}</p> : null}
          {report ? (
            <table className="probe-table">
              <thead>
                <tr>
                  <th>backend</th>
                  <th>state</th>
                  <th>why</th>
                  <th className="num" title="what the automatic choice compared">ms</th>
                </tr>
              </thead>
              <tbody>
                {report.probes.map((p) => {
                  const state = probeState(p, report.active);
                  return (
                    <tr
                      key={p.name}
                      className={state === 'active' ? 'active' : 'skipped'}
                      data-testid={`probe-${p.name}`}
                      data-state={state}
                      data-check-error={p.checkError ?? ''}
                      data-software={p.software ? 'true' : 'false'}
                      data-workload={p.workload ?? ''}
                    >
                      <td>{BACKEND_LABEL[p.name]}</td>
                      <td title={p.checkError !== undefined ? `self-check error ${p.checkError.toExponential(1)}` : undefined}>{state}</td>
                      <td title={p.device}>{p.reason}</td>
                      <td className="num" title={p.workload ?? 'batch-64 forward+backward of a small MLP'}>{p.msPerStep !== undefined ? p.msPerStep.toFixed(1) : '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : (
            <p className="hint">Measuring backends…</p>
          )}
          <div className="popover-row">
            <label htmlFor="backend-choice">Use</label>
            <select
              id="backend-choice"
              data-testid="backend-select"
              value={requested}
              disabled={pending}
              onChange={(e) => requestBackend(e.target.value as BackendChoice)}
            >
              {CHOICES.map((c) => {
                const probe = report?.probes.find((p) => p.name === c);
                const unavailable = c !== 'auto' && probe !== undefined && !probe.available && c !== report?.active;
                return (
                  <option key={c} value={c} disabled={unavailable}>
                    {c === 'auto' ? 'Automatic (fastest real hardware)' : BACKEND_LABEL[c]}
                    {unavailable ? ' — unavailable' : ''}
                  </option>
                );
              })}
            </select>
            {pending ? <span className="hint">switching…</span> : null}
          </div>
          <p className="hint" style={{ marginBottom: 0 }}>
            ms: {report?.probes.find((p) => p.workload)?.workload ?? 'one batch-64 forward+backward of a small MLP'} (the
            experiment&apos;s work once known). Software GPUs (SwiftShader, llvmpipe) are skipped in automatic mode.{' '}
            {report ? (report.crossOriginIsolated ? 'Cross-origin isolated: WASM threads allowed.' : 'Not cross-origin isolated: WASM runs single-threaded.') : null}
          </p>
          {report ? (
            <div className="popover-row" style={{ marginTop: 8 }}>
              <button type="button" data-testid="bench-open" aria-expanded={benchOpen} onClick={() => setBenchOpen((o) => !o)}>
                {benchOpen ? 'Hide benchmark' : 'Benchmark backends…'}
              </button>
            </div>
          ) : null}
          {report && benchOpen ? <BenchPanel report={report} /> : null}
        </div>
      ) : null}
    </div>
  );
}
