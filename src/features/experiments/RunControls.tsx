/**
 * Start / Pause / Resume / Stop for the experiment in the form, the progress of the running iteration
 * (phases rollout → values → update) with time estimates, and Space as the run/pause shortcut.
 */
import { useEffect, useRef, useState } from 'react';
import { useApp } from '../../state/app';
import { configOf, formValidity, loadSettings, settingsOf, settingsOfRun, useExperiment } from '../../state/experiment';
import { requestClouds } from '../../state/inspector';
import { isPretrainLive, selectCheckpoint, selectedCheckpoint, usePretrain } from '../../state/pretrain';
import { canContinue, continueRun, isLive, pauseRun, resumeRun, startRun, stopRun, timeEstimate, useRuns, type Run, type RunProgress } from '../../state/runs';
import { Button } from '../../ui/Button';
import { Kbd } from '../../ui/Kbd';
import { StatusDot, type Status } from '../../ui/StatusDot';

/**
 * The config of the form, or which settings are invalid (each field shows its own reason; the Run panel
 * only points at them).
 */
export function useFormConfig() {
  const state = useExperiment();
  const { config, issues } = formValidity(settingsOf(state), state.drafts);
  const bad = Object.keys(issues);
  const error = config ? null : bad.length ? `Fix ${bad.length === 1 ? 'the marked setting' : `the ${bad.length} marked settings`} to start: ${bad.join(', ')}.` : 'The settings are not valid.';
  return { config, error, preset: state.preset };
}

export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const PHASES = ['rollout', 'values', 'update'] as const;

export function statusOf(run: Run | null): Status {
  if (!run) return 'idle';
  if (run.status === 'error') return 'error';
  if (run.status === 'interrupted' || run.status === 'stopped') return 'warn';
  if (run.status === 'done') return 'ok';
  if (run.status === 'paused') return 'warn';
  return 'busy';
}

function PhaseBar({ progress }: { progress: RunProgress }) {
  const phase = progress.phase === 'eval' ? 'rollout' : progress.phase;
  const idx = PHASES.indexOf(phase as (typeof PHASES)[number]);
  return (
    <div className="xp-phases" aria-label="iteration progress">
      {PHASES.map((p, i) => {
        const fill = idx < 0 ? 0 : i < idx ? 1 : i === idx ? progress.fraction : 0;
        return (
          <div key={p} className={i === idx ? 'xp-phase active' : 'xp-phase'}>
            <div className="xp-phase-track">
              <div className="xp-phase-fill" style={{ width: `${Math.round(fill * 100)}%` }} />
            </div>
            <span>{p === 'rollout' && progress.phase === 'eval' ? 'eval' : p}</span>
          </div>
        );
      })}
    </div>
  );
}

export function RunProgressView({ run, progress, onDismiss }: { run: Run; progress: RunProgress | null; onDismiss?: () => void }) {
  const [, tick] = useState(0);
  const live = isLive(run.status);
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => tick((t) => t + 1), 1000);
    return () => clearInterval(id);
  }, [live]);
  // Every point is a complete iteration; "itr k" is the same 0-based index as the CSV, the trajectory
  // panel and the clouds use, shown beside the count of iterations done.
  const done = run.points.length;
  const total = Math.max(run.totalIterations, 1);
  const itr = live ? (progress?.itr ?? done) : done - 1;
  const est = progress ? timeEstimate(progress, run, performance.now()) : { itrLeftMs: null, runLeftMs: null };
  const warnings = run.warnings ?? [];
  return (
    <div className="xp-progress" data-testid="run-progress" data-iterations={done} data-itr={itr}>
      <div className="xp-progress-head">
        <StatusDot status={statusOf(run)} label={run.status} />
        <span className="xp-run-status">{run.status}</span>
        <span className="mono" title={`${live ? 'iteration in progress' : 'last complete iteration'} (0-based, as in the CSV); ${done} of ${total} done`}>
          {itr >= 0 ? `itr ${itr} · ` : ''}
          {done}/{total} done
        </span>
      </div>
      <div className="xp-overall" title={`${done} of ${total} iterations done`}>
        <div className="xp-overall-fill" style={{ width: `${(100 * done) / total}%`, background: 'var(--accent)' }} />
      </div>
      {live && progress ? (
        <>
          <PhaseBar progress={progress} />
          <div className="hint xp-eta">
            {progress.phase === 'idle' && progress.message
              ? progress.message
              : `${run.status === 'paused' ? 'paused · ' : ''}${progress.phase} ${Math.round(progress.fraction * 100)}% · ~${fmtDuration(est.itrLeftMs)} left in this iteration · ~${fmtDuration(est.runLeftMs)} for the run`}
          </div>
        </>
      ) : null}
      {warnings.length > 0 ? (
        <p className="xp-warning" data-testid="run-warnings" data-count={warnings.length} title={warnings.map((w) => w.message).join('\n')}>
          ⚠ {warnings.length === 1 ? 'Collapse warning' : `${warnings.length} collapse warnings`}: {warnings[warnings.length - 1].message}
        </p>
      ) : null}
      {run.status === 'error' && run.error ? (
        <p className="xp-error" role="alert" data-testid="run-error">
          {run.error}
        </p>
      ) : null}
      {run.status === 'error' && run.lastGood ? <LastGoodActions run={run} lastGood={run.lastGood} /> : null}
      {run.status === 'interrupted' ? <InterruptedNote run={run} onDismiss={onDismiss} /> : null}
      {run.status === 'stopped' && canContinue(run) ? (
        <div className="xp-buttons">
          <ContinueButton run={run} />
        </div>
      ) : null}
      {run.storageError ? (
        <p className="xp-error" role="alert" data-testid="run-storage-error-note">
          {run.storageError}
        </p>
      ) : null}
      {run.stateUnavailable ? <p className="hint">{run.stateUnavailable}</p> : null}
    </div>
  );
}

/** Continues a run from its saved training state (state/runs.ts continueRun; docs/runs.md). */
function ContinueButton({ run }: { run: Run }) {
  const workerReady = useApp((s) => s.backend.report !== null);
  const pretraining = usePretrain((s) => isPretrainLive(s.job));
  const busy = useRuns((s) => Object.values(s.runs).some((r) => isLive(r.status)));
  const why = !workerReady ? 'the training worker is starting' : pretraining ? 'pre-training is going' : busy ? 'another run is going' : null;
  const itr = run.savedState ? run.savedState.itr - 1 : -1;
  return (
    <Button small variant="primary" onClick={() => void continueRun(run.id)} disabled={why !== null} data-testid="run-resume-saved" title={why ? `Not now: ${why}` : `Continue from the training state saved after itr ${itr}; the curve goes on`}>
      Resume from itr {itr + 1}
    </Button>
  );
}

/**
 * A run that was going when the page was reloaded or closed: its worker went with the page; the completed
 * iterations were saved as they came, and so was its training state (every stateEvery iterations), from
 * which it can be resumed. Without a saved state it can only be started again.
 */
function InterruptedNote({ run, onDismiss }: { run: Run; onDismiss?: () => void }) {
  const workerReady = useApp((s) => s.backend.report !== null);
  const pretraining = usePretrain((s) => isPretrainLive(s.job));
  const busy = useRuns((s) => Object.values(s.runs).some((r) => isLive(r.status)));
  const done = run.points.length;
  const settings = () => settingsOfRun(run.config, run.preset);
  const again = () => {
    const s = settings();
    loadSettings(s);
    startRun(configOf(s), selectedCheckpoint(s.task, s.algo), s.preset);
  };
  const why = !workerReady ? 'the training worker is starting' : pretraining ? 'pre-training is going' : busy ? 'another run is going' : null;
  return (
    <div className="hint xp-interrupted" data-testid="run-interrupted" data-iterations={done}>
      <p>
        Interrupted: the page was reloaded or closed while this run was going, so the training worker running it was lost (with its
        in-memory weights). {done === 0 ? 'No iteration had completed.' : `${done} of ${run.totalIterations} iterations completed (the last complete one is itr ${done - 1}); their curves are kept.`}{' '}
        {canContinue(run)
          ? `Its training state after itr ${run.savedState!.itr - 1} is saved: Resume continues from there exactly as the run would have gone on.`
          : 'It saved no training state it can resume from; start it again with the same config.'}
      </p>
      <div className="xp-buttons">
        {canContinue(run) ? <ContinueButton run={run} /> : null}
        <Button small onClick={again} disabled={why !== null} data-testid="run-restart" title={why ? `Not now: ${why}` : `Load ${run.label} into the form and start it from the beginning`}>
          Start again with this config
        </Button>
        <Button small onClick={() => loadSettings(settings())} data-testid="run-load-config" title="Put this run's settings into the form without starting">
          Load its settings
        </Button>
        {onDismiss ? (
          <Button small onClick={onDismiss} data-testid="run-dismiss" title="Hide this note (the run stays in the run list)">
            Dismiss
          </Button>
        ) : null}
      </div>
    </div>
  );
}

/** After a divergence: the last good weights are kept in the worker; inspect them or fine-tune from them. */
function LastGoodActions({ run, lastGood }: { run: Run; lastGood: NonNullable<Run['lastGood']> }) {
  const selected = useExperiment((s) => s.task === run.config.task && s.algo === run.config.algo);
  const inUse = usePretrain((s) => s.chosen[`${run.config.task}/${run.config.algo}`] === lastGood.checkpoint);
  const use = () => {
    selectCheckpoint(run.config.task, run.config.algo, lastGood.checkpoint);
    requestClouds();
  };
  return (
    <div className="hint xp-last-good" data-testid="last-good" data-checkpoint={lastGood.checkpoint} data-itr={lastGood.itr}>
      The last good weights ({lastGood.itr < 0 ? 'the starting ones' : `after itr ${lastGood.itr}`}) are kept as <code>{lastGood.checkpoint}</code> until
      the page is reloaded.{' '}
      {inUse ? (
        'They are selected: the clouds show them and Start fine-tunes from them.'
      ) : (
        <Button small onClick={use} disabled={!selected} data-testid="use-last-good" title={selected ? 'Select them as the checkpoint: the clouds show them, Start fine-tunes from them' : `Switch the form to ${run.config.task} / ${run.config.algo} first`}>
          Use them
        </Button>
      )}
    </div>
  );
}

export function RunControls() {
  const { config, error, preset } = useFormConfig();
  const currentRun = useRuns((s) => (s.activeRunId ? s.runs[s.activeRunId] : null));
  // After a reload: the newest run, when the reload interrupted it, until another starts or it is dismissed.
  const interrupted = useRuns((s) => {
    const newest = s.order.length ? s.runs[s.order[0]] : null;
    return !s.activeRunId && newest?.status === 'interrupted' ? newest : null;
  });
  const [dismissed, setDismissed] = useState<string | null>(null);
  const shownInterrupted = interrupted && interrupted.id !== dismissed ? interrupted : null;
  const activeRun = currentRun ?? shownInterrupted;
  const progress = useRuns((s) => s.progress);
  const workerReady = useApp((s) => s.backend.report !== null);
  const backendError = useApp((s) => s.backend.error);
  const pretraining = usePretrain((s) => isPretrainLive(s.job));
  const live = !!activeRun && isLive(activeRun.status);
  const paused = activeRun?.status === 'paused';

  const start = () => {
    if (config && !live && !isPretrainLive(usePretrain.getState().job)) startRun(config, selectedCheckpoint(config.task, config.algo), preset);
  };
  const startRef = useRef(start);
  startRef.current = start;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (/^(INPUT|TEXTAREA|SELECT|BUTTON|SUMMARY|A)$/.test(t.tagName) || t.isContentEditable)) return;
      e.preventDefault();
      const { activeRunId, runs } = useRuns.getState();
      const run = activeRunId ? runs[activeRunId] : null;
      if (run && isLive(run.status)) {
        if (run.status === 'paused') resumeRun();
        else if (run.status !== 'stopping') pauseRun();
      } else startRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="xp-controls">
      <div className="xp-buttons">
        {!live ? (
          <Button variant="primary" onClick={start} disabled={!config || !workerReady || pretraining} data-testid="run-start" title="Start fine-tuning (Space)">
            Start
          </Button>
        ) : (
          <Button variant="primary" onClick={paused ? resumeRun : pauseRun} disabled={activeRun?.status === 'stopping'} data-testid="run-pause" title="Pause / resume (Space)">
            {paused ? 'Resume' : 'Pause'}
          </Button>
        )}
        <Button variant="danger" onClick={stopRun} disabled={!live || activeRun?.status === 'stopping'} data-testid="run-stop" title="Stop now: the unfinished iteration is dropped, the completed ones are kept">
          Stop
        </Button>
        <span className="hint xp-kbd">
          <Kbd>Space</Kbd> run/pause
        </span>
      </div>
      {error ? (
        <p className="xp-error" role="alert">
          {error}
        </p>
      ) : null}
      {pretraining && !live ? <p className="hint">Pre-training is going; fine-tuning can start when it ends.</p> : null}
      {!workerReady ? <p className="hint">{backendError ?? 'Starting the training worker…'}</p> : null}
      {activeRun ? (
        <RunProgressView
          run={activeRun}
          progress={progress?.runId === activeRun.id ? progress : null}
          onDismiss={!currentRun && shownInterrupted ? () => setDismissed(shownInterrupted.id) : undefined}
        />
      ) : null}
    </div>
  );
}
