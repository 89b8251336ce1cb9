/**
 * Chooses the state whose action clouds are inspected: the task's start state, typed values, or (from the
 * trajectory plot) a point on an env's path; plus the number of chains, the sampling seed and the noise:
 * exploration (the std floor fine-tuning samples with, spec §2.5) or evaluation.
 */
import { useEffect, useState } from 'react';
import { requestClouds, setInspectSampling, setInspectState, startStateOf, useInspector } from '../../state/inspector';
import type { InspectMode } from '../../workers/protocol';
import { Button } from '../../ui/Button';
import { StatusDot } from '../../ui/StatusDot';

const CHAIN_COUNTS = [64, 128, 256, 512, 1024];

export function StatePicker({ compact = false }: { compact?: boolean }) {
  const obs = useInspector((s) => s.obs);
  const task = useInspector((s) => s.task);
  const start = startStateOf(task);
  const sourceLabel = useInspector((s) => s.sourceLabel);
  const n = useInspector((s) => s.n);
  const seed = useInspector((s) => s.seed);
  const mode = useInspector((s) => s.mode);
  const busy = useInspector((s) => s.busy);
  const error = useInspector((s) => s.error);
  const [typed, setTyped] = useState<string[]>(() => obs.map((v) => v.toFixed(3)));
  useEffect(() => setTyped(obs.map((v) => v.toFixed(3))), [obs]);
  const parsed = typed.map(Number);
  const valid = parsed.every((v) => Number.isFinite(v));

  return (
    <div className={compact ? 'ic-picker compact' : 'ic-picker'}>
      <div className="ic-picker-row">
        <StatusDot status={error ? 'error' : busy ? 'busy' : 'ok'} label={error ? 'sampling failed' : busy ? 'sampling' : 'up to date'} />
        <span className="ic-source" data-testid="inspect-source" data-busy={busy}>
          state: {sourceLabel}
        </span>
      </div>
      {!compact ? (
        <>
          <div className="ic-obs-grid">
            {start.labels.map((label, i) => (
              <label key={label} className="ic-obs">
                <span>{label}</span>
                <input
                  className="mono"
                  inputMode="decimal"
                  value={typed[i] ?? ''}
                  onChange={(e) => setTyped((t) => t.map((v, j) => (j === i ? e.target.value : v)))}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && valid) setInspectState(parsed, 'typed', 'typed values');
                  }}
                  aria-invalid={!Number.isFinite(parsed[i])}
                />
              </label>
            ))}
          </div>
          <div className="ic-picker-row">
            <Button small disabled={!valid} onClick={() => setInspectState(parsed, 'typed', 'typed values')}>
              Use typed state
            </Button>
            <Button small onClick={() => setInspectState(start.obs, 'start', 'start state')}>
              Start state
            </Button>
          </div>
        </>
      ) : null}
      <div className="ic-picker-row">
        <label className="ic-inline">
          chains
          <select value={n} onChange={(e) => setInspectSampling({ n: Number(e.target.value) })} aria-label="chains">
            {CHAIN_COUNTS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="ic-inline">
          seed
          <input
            className="mono ic-seed"
            type="number"
            min={0}
            value={seed}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isInteger(v) && v >= 0) setInspectSampling({ seed: v });
            }}
          />
        </label>
        <label className="ic-inline" title="Exploration: the noise fine-tuning samples with (std floor at every denoising step). Eval: evaluation sampling (DDPM std floor 1e-3, noiseless last step).">
          noise
          <select
            value={mode}
            onChange={(e) => setInspectSampling({ mode: e.target.value as InspectMode })}
            aria-label="sampling noise"
            data-testid="inspect-mode"
          >
            <option value="exploration">exploration</option>
            <option value="eval">eval</option>
          </select>
        </label>
        <Button small onClick={() => requestClouds()} disabled={busy} title="Sample both policies again at this state">
          Resample
        </Button>
      </div>
      {error ? <p className="ic-error">{error}</p> : null}
    </div>
  );
}
