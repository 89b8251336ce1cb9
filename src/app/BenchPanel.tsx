/**
 * The in-app benchmark (issue 12), opened from the backend popover: the run's work — one chain for the envs,
 * one update minibatch, a short fine-tuning run and a few behaviour-cloning batches — on every available
 * backend, side by side in ms and samples/s. Software adapters (SwiftShader, llvmpipe) can be measured here
 * (they are only never chosen automatically); they are marked as such.
 */
import { useState } from 'react';
import { defaultBenchSizes, runBench, useBench, type BenchSizes } from '../state/bench';
import type { BackendName, BackendReport, BenchRow } from '../workers/protocol';

const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

const FIELDS: { key: keyof BenchSizes; label: string; title: string }[] = [
  { key: 'nEnvs', label: 'chain envs', title: 'observations sampled together in one denoising chain (the run\u2019s envs)' },
  { key: 'batchSize', label: 'update batch', title: 'PPO minibatch items of one update step' },
  { key: 'finetuneIters', label: 'fine-tune itrs', title: 'whole fine-tuning iterations (0 = skip)' },
  { key: 'finetuneEnvs', label: 'itr envs', title: 'envs of the fine-tuning iterations' },
  { key: 'finetuneSteps', label: 'itr steps', title: 'chunk steps per env per iteration' },
  { key: 'finetuneBatch', label: 'itr batch', title: 'minibatch of the fine-tuning iterations (one epoch)' },
  { key: 'pretrainBatches', label: 'BC batches', title: 'behaviour-cloning minibatches (one epoch; 0 = skip)' },
  { key: 'pretrainBatchSize', label: 'BC batch', title: 'behaviour-cloning minibatch size' },
  { key: 'coverItrs', label: 'other paths', title: 'Gaussian- and GMM-PPO iterations each, plus one evaluation round, inspector sampling and a UNet chain (0 = skip; a cross-backend check)' },
];

const fmt = (x: number | undefined, d = 0): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

function Row({ name, row, selected, running }: { name: BackendName; row: BenchRow | undefined; selected: boolean; running: boolean }) {
  const r = row?.result;
  const state = row ? (row.error ? 'error' : 'done') : selected ? (running ? 'pending' : 'not run') : 'not selected';
  const last = r?.finetune?.iterations.at(-1);
  return (
    <tr data-testid={`bench-row-${name}`} data-state={state} data-result={row ? JSON.stringify(row) : ''} title={row?.device}>
      <td>
        {LABEL[name]}
        {row?.software ? <span className="hint"> (software)</span> : null}
      </td>
      {row?.error ? (
        <td colSpan={6} className="popover-error">{row.error}</td>
      ) : (
        <>
          <td className="num">{fmt(r?.chain.ms, 1)}</td>
          <td className="num">{fmt(r?.chain.samplesPerS)}</td>
          <td className="num">{fmt(r?.update.ms, 1)}</td>
          <td className="num">{fmt(r?.update.samplesPerS)}</td>
          <td className="num">{fmt(r?.finetune?.msPerItr)}</td>
          <td className="num" title={last ? `${last.memory.numTensors} tensors${last.memory.numBytesInGPU !== null ? `, ${(last.memory.numBytesInGPU / 2 ** 20).toFixed(1)} MiB on the GPU` : ''}` : undefined}>
            {fmt(r?.finetune?.envStepsPerS)}
          </td>
        </>
      )}
      {!row?.error ? <td className="num">{fmt(r?.pretrain ? r.pretrain.ms / r.pretrain.batches : undefined, 1)}</td> : null}
    </tr>
  );
}

export function BenchPanel({ report }: { report: BackendReport }) {
  const { running, rows, error, spec } = useBench();
  const available = report.probes.filter((p) => p.available).map((p) => p.name);
  const [selected, setSelected] = useState<Set<BackendName>>(() => new Set(available.filter((b) => b !== 'cpu')));
  const [sizes, setSizes] = useState<BenchSizes>(defaultBenchSizes);
  const toggle = (b: BackendName) => setSelected((s) => {
    const n = new Set(s);
    if (n.has(b)) n.delete(b);
    else n.add(b);
    return n;
  });
  const order = available.filter((b) => selected.has(b));
  return (
    <div className="bench-panel" data-testid="bench-panel" data-running={running ? 'true' : 'false'}>
      <div className="popover-row" style={{ flexWrap: 'wrap' }}>
        {available.map((b) => (
          <label key={b}>
            <input type="checkbox" data-testid={`bench-use-${b}`} checked={selected.has(b)} disabled={running} onChange={() => toggle(b)} /> {LABEL[b]}
          </label>
        ))}
      </div>
      <div className="bench-sizes">
        {FIELDS.map((f) => (
          <label key={f.key} title={f.title}>
            {f.label}
            <input
              type="number"
              min={f.key === 'finetuneIters' || f.key === 'pretrainBatches' || f.key === 'coverItrs' ? 0 : 1}
              data-testid={`bench-${f.key}`}
              value={sizes[f.key]}
              disabled={running}
              onChange={(e) => {
                const v = Math.floor(Number(e.target.value));
                if (Number.isFinite(v) && v >= 0) setSizes((s) => ({ ...s, [f.key]: v }));
              }}
            />
          </label>
        ))}
      </div>
      <div className="popover-row">
        <button type="button" data-testid="bench-run" disabled={running || order.length === 0} onClick={() => runBench(order, sizes)}>
          {running ? 'Measuring…' : 'Run benchmark'}
        </button>
        {spec ? <span className="hint">{spec.task} · {spec.algo}</span> : null}
      </div>
      {error ? <p className="popover-error" data-testid="bench-error">{error}</p> : null}
      <table className="probe-table" data-testid="bench-table">
        <thead>
          <tr>
            <th>backend</th>
            <th className="num" title="one denoising chain for the chain envs">chain ms</th>
            <th className="num">samples/s</th>
            <th className="num" title="one PPO minibatch step (actor + critic)">update ms</th>
            <th className="num">samples/s</th>
            <th className="num" title="one whole fine-tuning iteration (rollout, values, update)">itr ms</th>
            <th className="num">env steps/s</th>
            <th className="num" title="one behaviour-cloning minibatch step">BC ms</th>
          </tr>
        </thead>
        <tbody>
          {available.map((b) => (
            <Row key={b} name={b} row={rows.find((r) => r.backend === b)} selected={selected.has(b)} running={running} />
          ))}
        </tbody>
      </table>
      <p className="hint" style={{ marginBottom: 0 }}>
        Every backend runs the same seeded work; the active backend is restored afterwards. Software GPUs are slow and
        only a correctness check.
      </p>
    </div>
  );
}
