/**
 * "Pre-train from demos": behaviour cloning (spec/dppo-reference.md §6.5) of the chosen policy kind on the
 * task's bundled demonstrations, with Start / Pause / Resume / Stop, a progress bar (epoch i/N, BC loss,
 * time left) and the live loss curve. The result is offered as the experiment's pre-trained policy
 * (ConfigForm) until the page is reloaded.
 */
import { useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApp } from '../../state/app';
import { useExperiment } from '../../state/experiment';
import {
  BUNDLED_PRETRAIN_EPOCHS,
  formatLoss,
  isPretrainLive,
  kindForAlgo,
  pausePretrain,
  pretrainEta,
  PRETRAIN_KINDS,
  resumePretrain,
  setPretrainForm,
  startPretrain,
  stopPretrain,
  usePretrain,
  type PretrainJob,
  type PretrainPolicyKind,
} from '../../state/pretrain';
import { isLive, useRuns } from '../../state/runs';
import { Button } from '../../ui/Button';
import { seriesColor } from '../../ui/palette';
import { StatusDot, type Status } from '../../ui/StatusDot';
import { fmtDuration } from './RunControls';

const MAX_EPOCHS = 2000;

function statusOf(job: PretrainJob): Status {
  if (job.status === 'error') return 'error';
  if (job.status === 'done') return 'ok';
  if (job.status === 'stopped' || job.status === 'paused') return 'warn';
  return 'busy';
}

function LossCurve({ losses }: { losses: number[] }) {
  const data = losses.map((loss, i) => ({ epoch: i + 1, loss }));
  const positive = losses.every((l) => l > 0);
  return (
    <div className="xp-pt-chart" data-testid="pretrain-loss-chart" data-points={losses.length}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="2 3" />
          <XAxis dataKey="epoch" type="number" domain={[1, 'dataMax']} allowDecimals={false} tick={{ fontSize: 10 }} height={18} />
          <YAxis
            type="number"
            scale={positive ? 'log' : 'auto'}
            domain={['auto', 'auto']}
            tickFormatter={(v: number) => formatLoss(v)}
            tick={{ fontSize: 10 }}
            width={42}
          />
          <Tooltip isAnimationActive={false} formatter={(v) => [formatLoss(Number(v)), 'BC loss']} labelFormatter={(l) => `epoch ${String(l)}`} />
          <Line dataKey="loss" stroke={seriesColor(0)} strokeWidth={1.6} dot={losses.length <= 20 ? { r: 2 } : false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function PretrainProgress({ job }: { job: PretrainJob }) {
  const [, tick] = useState(0);
  const live = isPretrainLive(job);
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => tick((t) => t + 1), 1000);
    return () => clearInterval(id);
  }, [live]);
  const done = job.losses.length;
  const total = job.totalEpochs;
  const shown = (live ? done + job.fraction : done) / total;
  const last = job.losses.length ? job.losses[job.losses.length - 1] : NaN;
  const eta = live ? pretrainEta(job, performance.now()) : null;
  return (
    <div className="xp-progress" data-testid="pretrain-progress" data-epochs={done} data-total={total} data-status={job.status}>
      <div className="xp-progress-head">
        <StatusDot status={statusOf(job)} label={job.status} />
        <span className="xp-run-status">{job.status}</span>
        <span className="hint">{job.kind}</span>
        <span className="mono">
          epoch {Math.min(done + (live ? 1 : 0), total)}/{total}
        </span>
      </div>
      <div className="xp-overall" role="progressbar" aria-label="pre-training progress" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
        <div className="xp-overall-fill" style={{ width: `${Math.min(100, 100 * shown)}%`, background: 'var(--accent)' }} />
      </div>
      <div className="hint xp-eta">
        {live && job.message
          ? job.message
          : `BC loss ${formatLoss(last)}${live ? ` · epoch ${Math.round(job.fraction * 100)}% · ~${fmtDuration(eta)} left` : ''}`}
      </div>
      {job.losses.length > 0 ? <LossCurve losses={job.losses} /> : null}
      {job.status === 'error' && job.error ? (
        <p className="xp-error" role="alert">
          {job.error}
        </p>
      ) : null}
      {job.checkpoint ? (
        <p className="hint xp-note" data-testid="pretrain-result">
          Kept as this session&apos;s pre-trained {job.kind} (loss {formatLoss(last)}); it is selected as the experiment&apos;s pre-trained policy.
        </p>
      ) : null}
    </div>
  );
}

export function PretrainPanel() {
  const task = useExperiment((s) => s.task);
  const algo = useExperiment((s) => s.algo);
  const seed = useExperiment((s) => s.seed);
  const kindChoice = usePretrain((s) => s.kindChoice);
  const epochs = usePretrain((s) => s.epochs);
  const job = usePretrain((s) => s.job);
  const workerReady = useApp((s) => s.backend.report !== null);
  const runLive = useRuns((s) => {
    const run = s.activeRunId ? s.runs[s.activeRunId] : null;
    return !!run && isLive(run.status);
  });
  const [draft, setDraft] = useState(String(epochs));
  const kind = kindChoice ?? kindForAlgo(algo);
  const live = isPretrainLive(job);
  const paused = job?.status === 'paused';

  const onEpochs = (text: string) => {
    setDraft(text);
    const v = Number(text);
    if (Number.isInteger(v) && v >= 1 && v <= MAX_EPOCHS) setPretrainForm({ epochs: v });
  };
  const onKind = (k: PretrainPolicyKind) => setPretrainForm({ kindChoice: k === kindForAlgo(algo) ? null : k });

  return (
    <div className="xp-controls" data-testid="pretrain-panel">
      <div className="xp-row">
        <label className="xp-field">
          <span>policy</span>
          <select value={kind} onChange={(e) => onKind(e.target.value as PretrainPolicyKind)} disabled={live} data-testid="pretrain-kind">
            {PRETRAIN_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="xp-field xp-pt-epochs">
          <span>epochs</span>
          <input
            className="mono"
            type="number"
            min={1}
            max={MAX_EPOCHS}
            value={draft}
            onChange={(e) => onEpochs(e.target.value)}
            onBlur={() => setDraft(String(epochs))}
            disabled={live}
            data-testid="pretrain-epochs"
          />
        </label>
      </div>
      <p className="hint xp-note">
        Behaviour cloning on the {task} demos; the bundled checkpoints used {BUNDLED_PRETRAIN_EPOCHS} epochs.
      </p>
      <div className="xp-buttons">
        {!live ? (
          <Button
            variant="primary"
            onClick={() => startPretrain(task, kind, epochs, seed)}
            disabled={!workerReady || runLive}
            data-testid="pretrain-start"
            title={runLive ? 'A fine-tuning run is going: stop it first' : `Pre-train a ${kind} on builtin:${task}/train`}
          >
            Pre-train
          </Button>
        ) : (
          <Button variant="primary" onClick={paused ? resumePretrain : pausePretrain} disabled={job?.status === 'stopping'} data-testid="pretrain-pause">
            {paused ? 'Resume' : 'Pause'}
          </Button>
        )}
        <Button variant="danger" onClick={stopPretrain} disabled={!live || job?.status === 'stopping'} data-testid="pretrain-stop" title="Stop and keep the epochs done so far">
          Stop
        </Button>
      </div>
      {runLive && !live ? <p className="hint xp-note">One job at a time: pre-training can start when the fine-tuning run ends.</p> : null}
      {job ? <PretrainProgress job={job} /> : null}
      <p className="hint xp-note">Pre-trained checkpoints are kept until the page is reloaded.</p>
    </div>
  );
}
