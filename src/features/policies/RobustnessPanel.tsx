/**
 * Robustness on the Policies page, one click (paper Fig. 12; state/robustness.ts): the task's DPPO policy
 * (the fine-tuned or chosen one, else the bundled one) and its Gaussian policy, each evaluated in the train
 * worker under a list of action-noise σ and a list of initial-state noise scales; progress and Cancel; the
 * result as two small charts (return vs σ, return vs init scale, one line per policy) and a table. Problems
 * show here, next to the Run button.
 */
import { useEffect } from 'react';
import { useExperiment } from '../../state/experiment';
import { policyEntries, usePolicies } from '../../state/policies';
import { usePretrain } from '../../state/pretrain';
import {
  cancelRobustness,
  chooseRobustnessPolicy,
  DEFAULT_INIT_SCALES,
  robustnessCandidates,
  robustnessDefault,
  ROBUSTNESS_SIDES,
  setRobustnessForm,
  startRobustness,
  taskHasInitNoise,
  taskInitNoise,
  useRobustness,
  type RobustnessRun,
} from '../../state/robustness';
import { taskListings } from '../../state/taskCatalog';
import { Button } from '../../ui/Button';
import { Panel } from '../../ui/Panel';
import { RobustnessChart, type RobustnessSeries } from './RobustnessChart';

function fmtReturn(v: number | undefined): string {
  return v === undefined ? '…' : Number.isFinite(v) ? v.toFixed(1) : '–';
}

function Results({ run }: { run: RobustnessRun }) {
  const names = run.policies.map((p) => p.name);
  const cell = (name: string, sigma: number, k: number) => run.cells.find((c) => c.policy === name && c.action_noise === sigma && c.init_noise_scale === k);
  const series = (axis: 'sigma' | 'init'): RobustnessSeries[] =>
    names.map((name) => ({
      name,
      points: (axis === 'sigma' ? run.sigmas : run.initNoiseScales)
        .map((x) => ({ x, c: axis === 'sigma' ? cell(name, x, 1) : cell(name, 0, x) }))
        .filter((p) => p.c !== undefined)
        .map((p) => ({ x: p.x, y: p.c?.avg_return ?? NaN }))
        .sort((a, b) => a.x - b.x),
    }));
  const rows = [
    ...run.sigmas.map((s) => ({ axis: 'σ', label: `σ ${s}`, sigma: s, k: 1 })),
    ...run.initNoiseScales.map((k) => ({ axis: 'k', label: `init ×${k}`, sigma: 0, k })),
  ];
  return (
    <div className="robust-results" data-testid="robustness-result" data-cells={run.cells.length} data-done={run.result && !run.result.cancelled ? 'true' : 'false'}>
      <div className="robust-charts">
        <RobustnessChart title={`Return vs action noise σ (init ×1) on ${run.task}`} xLabel="action noise σ (normalised)" xs={run.sigmas} series={series('sigma')} testId="robustness-chart-sigma" />
        {run.initNoiseScales.length > 1 || run.initNoiseScales[0] !== 1 ? (
          <RobustnessChart title={`Return vs initial-state noise scale (σ 0) on ${run.task}`} xLabel="init-noise scale k" xs={run.initNoiseScales} series={series('init')} testId="robustness-chart-init" />
        ) : null}
      </div>
      <table className="probe-table robust-table" data-testid="robustness-table">
        <thead>
          <tr>
            <th>perturbation</th>
            {run.policies.map((p) => (
              <th key={p.name} title={p.ref}>
                {p.name} <span className="policy-ref">{p.ref}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.axis}${r.label}`}>
              <td>{r.label}</td>
              {names.map((n) => {
                const c = cell(n, r.sigma, r.k);
                return (
                  <td
                    key={n}
                    className="num"
                    data-testid="robustness-cell"
                    data-policy={n}
                    data-sigma={r.sigma}
                    data-init={r.k}
                    data-return={c ? String(c.avg_return) : ''}
                    title={c ? `success ${(100 * c.success_rate).toFixed(0)}% over ${c.episodes} episodes` : 'not evaluated yet'}
                  >
                    {fmtReturn(c?.avg_return)}
                    {c ? <span className="robust-success"> ({(100 * c.success_rate).toFixed(0)}%)</span> : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        Average return (success rate) over {run.episodes} episode{run.episodes === 1 ? '' : 's'} per cell
        {run.maxEpisodeSteps !== undefined ? ` of at most ${run.maxEpisodeSteps} steps` : ''}, eval-mode sampling, the same seed in every cell.
        {run.result?.cancelled ? ' Cancelled: only the finished cells are shown.' : ''}
      </p>
    </div>
  );
}

export function RobustnessPanel() {
  const form = useRobustness((s) => s.form);
  const run = useRobustness((s) => s.run);
  const error = useRobustness((s) => s.error);
  const stored = usePolicies((s) => s.stored);
  const sessions = usePretrain((s) => s.sessionCheckpoints);
  const chosen = usePretrain((s) => s.chosen);
  const experimentTask = useExperiment((s) => s.task);
  const entries = policyEntries({ stored }, sessions);
  // Tasks with a policy on both sides (a bundled pair or trained/imported ones).
  const tasks = taskListings().filter((t) => ROBUSTNESS_SIDES.every(({ side }) => robustnessCandidates(t.id, side, entries).length > 0));
  const task = form.task ?? (tasks.some((t) => t.id === experimentTask) ? experimentTask : tasks[0]?.id ?? null);
  const hasInit = task ? taskHasInitNoise(task) : false;
  useEffect(() => {
    if (form.task === null && task) setRobustnessForm({ task });
  }, [form.task, task]);
  const running = run?.running ?? false;
  return (
    <Panel title="Robustness: DPPO vs Gaussian under perturbations (paper Fig. 12)" testId="robustness">
      <div className="robust-form">
        <label>
          task
          <select
            value={task ?? ''}
            disabled={running}
            data-testid="robustness-task"
            onChange={(e) => {
              const t = e.target.value;
              setRobustnessForm({ task: t, refs: {}, ...(taskHasInitNoise(t) ? {} : { initNoiseScales: '1' }) });
            }}
          >
            {tasks.map((t) => (
              <option key={t.id} value={t.id}>
                {t.id}
              </option>
            ))}
          </select>
        </label>
        {ROBUSTNESS_SIDES.map(({ side, label }) => {
          const candidates = task ? robustnessCandidates(task, side, entries) : [];
          const value = task ? robustnessDefault(task, side, entries, form.refs[side], chosen) ?? '' : '';
          return (
            <label key={side}>
              {label}
              <select value={value} disabled={running} data-testid={`robustness-policy-${side}`} onChange={(e) => chooseRobustnessPolicy(side, e.target.value)}>
                {candidates.map((c) => (
                  <option key={c.ref} value={c.ref}>
                    {c.label}
                    {c.origin === 'run' ? ' (fine-tuned)' : ''}
                  </option>
                ))}
              </select>
            </label>
          );
        })}
        <label title="Std of Gaussian noise added to every sampled action (normalised units), at the task's own start distribution">
          action noise σ
          <input type="text" value={form.sigmas} disabled={running} data-testid="robustness-sigmas" onChange={(e) => setRobustnessForm({ sigmas: e.target.value })} />
        </label>
        <label title={hasInit ? "Multipliers of the task's initial-state noise, without action noise" : 'This task resets to a fixed state: nothing to widen'}>
          init-noise scales
          <input
            type="text"
            value={hasInit ? form.initNoiseScales : '1'}
            disabled={running || !hasInit}
            placeholder={DEFAULT_INIT_SCALES}
            data-testid="robustness-init-scales"
            onChange={(e) => setRobustnessForm({ initNoiseScales: e.target.value })}
          />
        </label>
        <label>
          episodes
          <input
            type="number"
            min={1}
            max={1000}
            value={form.episodes}
            disabled={running}
            data-testid="robustness-episodes"
            onChange={(e) => setRobustnessForm({ episodes: Math.round(Number(e.target.value)) })}
          />
        </label>
        <label title="Env steps per episode; empty = the task's own horizon. A shorter one is a quick look: its returns do not compare with full episodes">
          max steps
          <input
            type="text"
            value={form.maxEpisodeSteps}
            placeholder="task's"
            disabled={running}
            data-testid="robustness-max-steps"
            onChange={(e) => setRobustnessForm({ maxEpisodeSteps: e.target.value })}
          />
        </label>
        <label>
          seed
          <input type="number" min={0} value={form.seed} disabled={running} data-testid="robustness-seed" onChange={(e) => setRobustnessForm({ seed: Math.max(0, Math.round(Number(e.target.value)) || 0) })} />
        </label>
        {running ? (
          <Button variant="danger" onClick={() => void cancelRobustness()} disabled={run?.cancelling} data-testid="robustness-cancel">
            {run?.cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        ) : (
          <Button variant="primary" onClick={() => void startRobustness()} disabled={!task} data-testid="robustness-run">
            Run robustness
          </Button>
        )}
      </div>
      {running ? (
        <div className="robust-progress">
          <progress max={1} value={run?.fraction ?? 0} data-testid="robustness-progress" /> <span className="policy-busy">{run?.message}</span>
        </div>
      ) : null}
      {error ? (
        <p className="policy-error" role="alert" data-testid="robustness-error">
          {error}
        </p>
      ) : null}
      {tasks.length === 0 ? <p className="hint">No task has both a diffusion and a Gaussian policy listed yet.</p> : null}
      {run ? <Results run={run} /> : null}
      <p className="hint">
        Each policy is evaluated under Gaussian noise N(0, σ²) added to its sampled actions (at the task&apos;s own start distribution) and from starts k times
        as noisy, without noise on the actions{task && hasInit ? ` (k multiplies ${taskInitNoise(task)})` : ''}. The same study from the command line:{' '}
        <code>npx dppo robustness --task {task ?? 'T'}</code> (docs/robustness.md).
      </p>
    </Panel>
  );
}
