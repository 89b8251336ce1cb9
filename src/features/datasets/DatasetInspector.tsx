/**
 * The inspector of one read dataset: summary (format, sizes, suggested task and the key mapping used),
 * sanity report, episode table + length histogram, per-dimension ranges and histograms, one episode's
 * signals over time, a path preview (through the task's trajectory view when it has one that maps obs to a
 * point), the normalisation statistics, and "pre-train on this".
 */
import { useEffect, useState } from 'react';
import type { DimStats } from '../../data/readers';
import {
  pretrainOnThis,
  selectEpisode,
  setDatasetFilter,
  setDatasetTask,
  setPretrainOptions,
  useDatasets,
} from '../../state/datasets';
import { formatLoss, isPretrainLive, pretrainEta, PRETRAIN_KINDS, usePretrain, type PretrainPolicyKind } from '../../state/pretrain';
import { inspectorDefaults, taskTags, trajectoryView } from '../../state/taskCatalog';
import { Button } from '../../ui/Button';
import { Panel } from '../../ui/Panel';
import type { DatasetView } from '../../workers/dataClient';
import { TrajectoryPlot } from '../trajectories/TrajectoryPlot';
import { fmt, HistogramBars, LossSparkline, ObsPathPlot, SignalsChart } from './charts';

function obsNamesFor(view: DatasetView, task: string | null): (d: number) => string {
  if (task) {
    const names = inspectorDefaults(task).obsNames;
    if (names.length === view.summary.obs_dim) return (d) => names[d];
  }
  const parts = view.summary.key_mapping.obs;
  return (d) => {
    let o = 0;
    for (const p of parts) {
      if (d < o + p.dims) return p.dims === 1 ? p.key : `${p.key}[${d - o}]`;
      o += p.dims;
    }
    return `obs[${d}]`;
  };
}

function actNamesFor(view: DatasetView, task: string | null): (d: number) => string {
  if (task) {
    const names = inspectorDefaults(task).actionNames;
    if (names.length === view.summary.act_dim) return (d) => names[d];
  }
  return (d) => `${view.summary.key_mapping.act}[${d}]`;
}

function Summary({ view }: { view: DatasetView }) {
  const s = view.summary;
  const pretrainTask = useDatasets((st) => st.pretrainTask);
  const best = view.tasks[0];
  return (
    <Panel title="Summary" testId="dataset-summary">
      <dl className="kv ds-kv">
        <dt>format</dt>
        <dd data-testid="dataset-format">{s.format_title}</dd>
        <dt>episodes</dt>
        <dd data-testid="dataset-episodes">{s.episodes}</dd>
        <dt>steps</dt>
        <dd>{s.steps}</dd>
        <dt>obs / action dims</dt>
        <dd data-testid="dataset-dims">
          {s.obs_dim} / {s.act_dim}
        </dd>
        <dt>episode length</dt>
        <dd>
          min {s.lengths.min} · median {s.lengths.median} · mean {fmt(s.lengths.mean)} · max {s.lengths.max}
        </dd>
        {s.env_name ? (
          <>
            <dt>env name in file</dt>
            <dd>{s.env_name}</dd>
          </>
        ) : null}
        <dt>task</dt>
        <dd data-testid="dataset-task">
          {view.tasks.length ? (
            <>
              <select aria-label="task for this dataset" value={pretrainTask ?? ''} onChange={(e) => void setDatasetTask(e.target.value || null)}>
                {view.tasks.map((m) => (
                  <option key={m.task} value={m.task}>
                    {m.task}
                  </option>
                ))}
              </select>{' '}
              <span className="hint">suggested: {best.task} — {best.reason}</span>
            </>
          ) : (
            <span className="hint">no registered task has obs {s.obs_dim} / action {s.act_dim} dims</span>
          )}
        </dd>
        <dt>key mapping</dt>
        <dd data-testid="dataset-mapping">
          obs = {s.key_mapping.obs.map((o) => `${o.key} (${o.dims})`).join(' ⧺ ')}; action = {s.key_mapping.act}
          {s.key_mapping.rew ? `; reward = ${s.key_mapping.rew}` : ''}
          {s.key_mapping.ends ? `; episode ends = ${s.key_mapping.ends.join(' | ')}` : ''}
          {s.key_mapping.unused?.length ? <span className="hint"> (not used: {s.key_mapping.unused.join(', ')})</span> : null}
        </dd>
        {s.filter_keys?.length ? (
          <>
            <dt>filter (mask)</dt>
            <dd>
              <select aria-label="robomimic filter" value={s.filter ?? ''} onChange={(e) => void setDatasetFilter(e.target.value || null)}>
                <option value="">all demos</option>
                {s.filter_keys.map((k) => (
                  <option key={k} value={k}>
                    mask/{k}
                  </option>
                ))}
              </select>
            </dd>
          </>
        ) : null}
      </dl>
      {s.notes.length ? (
        <ul className="ds-notes">
          {s.notes.map((n, i) => (
            <li key={i} className="hint">
              {n}
            </li>
          ))}
        </ul>
      ) : null}
    </Panel>
  );
}

function Sanity({ view }: { view: DatasetView }) {
  const s = view.analysis.sanity;
  const items: { ok: boolean; text: string; key: string }[] = [
    { key: 'nan', ok: s.nonFinite.obs + s.nonFinite.act + s.nonFinite.rew === 0, text: s.nonFinite.obs + s.nonFinite.act + s.nonFinite.rew === 0 ? 'no NaN or infinite values' : `non-finite values: ${s.nonFinite.obs} in obs, ${s.nonFinite.act} in actions, ${s.nonFinite.rew} in rewards (pre-training refuses them)` },
    { key: 'const', ok: s.constantObs.length + s.constantAct.length === 0, text: s.constantObs.length + s.constantAct.length === 0 ? 'no constant dimension' : `constant dimensions: obs [${s.constantObs.join(', ')}], actions [${s.constantAct.join(', ')}]` },
    {
      key: 'range',
      ok: s.actionsOutside === 0,
      text:
        s.normalizationSource === 'none'
          ? 'actions after normalisation: unknown (no statistics)'
          : s.actionsOutside === 0
            ? `all actions inside [−1, 1] after normalisation (${s.normalizationSource === 'fitted' ? 'min/max fitted to this data' : "the file's statistics"})`
            : `${s.actionsOutside} of ${s.actionValues} action values outside [−1, 1] after normalisation`,
    },
    {
      key: 'short',
      ok: s.shortEpisodes === 0,
      text:
        s.chunk === null
          ? 'episode length vs. action chunk: pick a task first'
          : s.shortEpisodes === 0
            ? `every episode is at least one action chunk long (${s.chunk} steps)`
            : `${s.shortEpisodes} episode(s) shorter than the action chunk (${s.chunk} steps) give no training sample, e.g. ${s.shortExamples.join(', ')}`,
    },
  ];
  return (
    <Panel title="Sanity report" testId="dataset-sanity">
      <ul className="ds-sanity">
        {items.map((it) => (
          <li key={it.key} className={it.ok ? 'ok' : 'warn'} data-testid={`sanity-${it.key}`} data-ok={it.ok}>
            <span aria-hidden>{it.ok ? '✓' : '!'}</span> {it.text}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Episodes({ view }: { view: DatasetView }) {
  const selected = useDatasets((s) => s.episodeIndex);
  const a = view.analysis;
  return (
    <Panel title={`Episodes (${a.episodeCount})`} testId="dataset-episodes-panel">
      <div className="ds-lenhist">
        <HistogramBars hist={a.lengthHist} width={260} height={48} label="episode length histogram" testId="dataset-length-hist" />
        <span className="hint">
          lengths {fmt(a.lengthHist.lo)}–{fmt(a.lengthHist.hi)}
        </span>
      </div>
      <div className="ds-table-wrap">
        <table className="probe-table ds-table" data-testid="dataset-episode-table">
          <thead>
            <tr>
              <th>#</th>
              <th>length</th>
              <th>return</th>
              <th>ends</th>
            </tr>
          </thead>
          <tbody>
            {a.episodes.map((e) => (
              <tr key={e.index} className={e.index === selected ? 'active' : undefined} onClick={() => void selectEpisode(e.index)} style={{ cursor: 'pointer' }}>
                <td className="num">{e.index}</td>
                <td className="num">{e.length}</td>
                <td className="num">{e.ret === undefined ? '–' : fmt(e.ret)}</td>
                <td>{e.terminal === undefined ? '–' : e.terminal ? 'terminal' : 'time limit / end'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {a.episodes.length < a.episodeCount ? <p className="hint">First {a.episodes.length} episodes listed.</p> : null}
      </div>
    </Panel>
  );
}

function DimTable({ title, dims, name, testId }: { title: string; dims: DimStats[]; name: (d: number) => string; testId: string }) {
  return (
    <table className="probe-table ds-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{title}</th>
          <th>min</th>
          <th>max</th>
          <th>mean</th>
          <th>std</th>
          <th>histogram</th>
        </tr>
      </thead>
      <tbody>
        {dims.map((d, i) => (
          <tr key={i} className={d.constant || d.nonFinite ? 'skipped' : undefined}>
            <td>{name(i)}</td>
            <td className="num">{fmt(d.min)}</td>
            <td className="num">{fmt(d.max)}</td>
            <td className="num">{fmt(d.mean)}</td>
            <td className="num">{fmt(d.std)}</td>
            <td>
              <HistogramBars hist={d.hist} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Dimensions({ view, task }: { view: DatasetView; task: string | null }) {
  return (
    <Panel title={`Per-dimension ranges${view.summary.normalized ? ' (normalised, as stored)' : ''}`} testId="dataset-dims-panel">
      <div className="ds-table-wrap">
        <DimTable title="obs" dims={view.analysis.obs} name={obsNamesFor(view, task)} testId="dataset-obs-dims" />
        <DimTable title="action" dims={view.analysis.act} name={actNamesFor(view, task)} testId="dataset-act-dims" />
      </div>
    </Panel>
  );
}

function Signals({ view, task }: { view: DatasetView; task: string | null }) {
  const ep = useDatasets((s) => s.episode);
  const index = useDatasets((s) => s.episodeIndex);
  return (
    <Panel
      title={`Episode ${index} over time`}
      testId="dataset-signals"
      actions={
        <label className="hint">
          episode{' '}
          <input
            type="number"
            min={0}
            max={view.summary.episodes - 1}
            value={index}
            aria-label="episode shown"
            style={{ width: 70 }}
            onChange={(e) => {
              const v = Math.floor(Number(e.target.value));
              if (Number.isFinite(v) && v >= 0 && v < view.summary.episodes) void selectEpisode(v);
            }}
          />
        </label>
      }
    >
      {ep && ep.index === index ? (
        <>
          <h3 className="ds-sub">observations</h3>
          <SignalsChart values={ep.obs} dim={ep.obsDim} length={ep.length} names={obsNamesFor(view, task)} testId="dataset-obs-signals" />
          <h3 className="ds-sub">actions</h3>
          <SignalsChart values={ep.act} dim={ep.actDim} length={ep.length} names={actNamesFor(view, task)} testId="dataset-act-signals" />
        </>
      ) : (
        <p className="hint">loading episode {index}…</p>
      )}
    </Panel>
  );
}

function Preview({ view }: { view: DatasetView }) {
  const p = view.preview;
  if (p.kind === 'none') {
    return (
      <Panel title="Path preview" testId="dataset-preview">
        <p className="hint">No path preview: {p.why}.</p>
      </Panel>
    );
  }
  if (p.kind === 'task') {
    const tv = trajectoryView(p.task);
    if (tv && tv.kind === 'plane') {
      return (
        <Panel title={`Path preview — ${tv.title} (first ${p.paths.length} episodes)`} testId="dataset-preview">
          <div className="ds-plane" data-testid="dataset-path-preview" data-paths={p.paths.length}>
            <TrajectoryPlot view={tv} tags={taskTags(p.task)} paths={p.paths} followEnv={null} marker={null} />
          </div>
        </Panel>
      );
    }
  }
  const names = obsNamesFor(view, null);
  return (
    <Panel title={`Path preview — obs dims ${p.kind === 'obs' ? `${p.xDim} and ${p.yDim}` : ''} (first ${p.paths.length} episodes)`} testId="dataset-preview">
      <ObsPathPlot paths={p.paths} xLabel={names(p.kind === 'obs' ? p.xDim : 0)} yLabel={names(p.kind === 'obs' ? p.yDim : 1)} />
      <p className="hint">The chosen task has no trajectory view that maps observations to a point; showing the first two observation dimensions.</p>
    </Panel>
  );
}

function Normalization({ view, task }: { view: DatasetView; task: string | null }) {
  const n = view.analysis.normalization;
  const src = view.analysis.sanity.normalizationSource;
  return (
    <Panel title="Normalisation statistics" testId="dataset-normalization">
      {n ? (
        <>
          <p className="hint">
            {src === 'file' ? "From the file's normalization.npz." : 'min/max per dimension fitted to this data; pre-training scales to [−1, 1] with 2·(x − min)/(max − min + 1e-6) − 1 (DPPO).'}
          </p>
          <div className="ds-table-wrap">
            <table className="probe-table ds-table">
              <thead>
                <tr>
                  <th>dim</th>
                  <th>min</th>
                  <th>max</th>
                </tr>
              </thead>
              <tbody>
                {n.obsMin.map((v, i) => (
                  <tr key={`o${i}`}>
                    <td>{obsNamesFor(view, task)(i)}</td>
                    <td className="num">{fmt(v)}</td>
                    <td className="num">{fmt(n.obsMax[i])}</td>
                  </tr>
                ))}
                {n.actionMin.map((v, i) => (
                  <tr key={`a${i}`}>
                    <td>{actNamesFor(view, task)(i)}</td>
                    <td className="num">{fmt(v)}</td>
                    <td className="num">{fmt(n.actionMax[i])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p className="hint">
          {view.summary.normalized ? 'The data is stored normalised (DPPO train.npz) but no normalization.npz came with it: raw units are unknown. Drop both files together to use them.' : 'No statistics: some dimension has no finite value.'}
        </p>
      )}
    </Panel>
  );
}

function PretrainBox({ view }: { view: DatasetView }) {
  const task = useDatasets((s) => s.pretrainTask);
  const kind = useDatasets((s) => s.pretrainKind);
  const epochs = useDatasets((s) => s.pretrainEpochs);
  const jobId = useDatasets((s) => s.pretrainJobId);
  const error = useDatasets((s) => s.pretrainError);
  const job = usePretrain((s) => s.job);
  const mine = job && job.id === jobId ? job : null;
  const live = isPretrainLive(job);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!mine || !isPretrainLive(mine)) return;
    const id = setInterval(() => tick((t) => t + 1), 1000);
    return () => clearInterval(id);
  }, [mine]);
  const eta = mine && isPretrainLive(mine) ? pretrainEta(mine, performance.now()) : null;
  const done = mine ? mine.losses.length : 0;
  return (
    <Panel title="Pre-train on this" testId="dataset-pretrain">
      <div className="ds-pretrain-form">
        <label>
          task{' '}
          <select aria-label="pre-training task" value={task ?? ''} disabled={!view.tasks.length} onChange={(e) => void setDatasetTask(e.target.value || null)}>
            {view.tasks.length ? view.tasks.map((m) => <option key={m.task} value={m.task}>{m.task}</option>) : <option value="">no task fits</option>}
          </select>
        </label>
        <label>
          policy{' '}
          <select aria-label="policy kind" value={kind} onChange={(e) => setPretrainOptions({ pretrainKind: e.target.value as PretrainPolicyKind })}>
            {PRETRAIN_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          epochs{' '}
          <input
            type="number"
            min={1}
            max={2000}
            value={epochs}
            aria-label="pre-training epochs"
            style={{ width: 70 }}
            onChange={(e) => {
              const v = Math.floor(Number(e.target.value));
              if (Number.isFinite(v) && v >= 1 && v <= 2000) setPretrainOptions({ pretrainEpochs: v });
            }}
          />
        </label>
        <Button variant="primary" disabled={live || !task} onClick={() => void pretrainOnThis()} data-testid="dataset-pretrain-start">
          Pre-train on this
        </Button>
      </div>
      {error ? (
        <p className="xp-error" role="alert" data-testid="dataset-pretrain-error">
          {error}
        </p>
      ) : null}
      {mine ? (
        <div data-testid="dataset-pretrain-progress" data-status={mine.status} data-epochs={done} data-total={mine.totalEpochs}>
          <div className="ds-progress" role="progressbar" aria-label="pre-training progress" aria-valuemin={0} aria-valuemax={mine.totalEpochs} aria-valuenow={done}>
            <div className="ds-progress-fill" style={{ width: `${Math.min(100, (100 * (done + (isPretrainLive(mine) ? mine.fraction : 0))) / mine.totalEpochs)}%` }} />
          </div>
          <p className="hint">
            {mine.status} · epoch {Math.min(done + (isPretrainLive(mine) ? 1 : 0), mine.totalEpochs)}/{mine.totalEpochs}
            {mine.losses.length ? ` · BC loss ${formatLoss(mine.losses[mine.losses.length - 1])}` : mine.message ? ` · ${mine.message}` : ''}
            {eta !== null ? ` · ~${Math.ceil(eta / 1000)} s left` : ''}
          </p>
          {mine.losses.length ? <LossSparkline losses={mine.losses} /> : null}
          {mine.error ? (
            <p className="xp-error" role="alert">
              {mine.error}
            </p>
          ) : null}
          {mine.checkpoint ? (
            <p className="hint" data-testid="dataset-pretrain-result">
              Kept as this session&apos;s pre-trained {mine.kind} for {mine.task} ({mine.checkpoint}); it is offered in the Experiments checkpoint selector and on the Policies page.
            </p>
          ) : null}
        </div>
      ) : null}
    </Panel>
  );
}

export function DatasetInspector({ view }: { view: DatasetView }) {
  const task = useDatasets((s) => s.pretrainTask);
  return (
    <div className="ds-inspector" data-testid="dataset-inspector" data-key={view.key}>
      <Summary view={view} />
      <Sanity view={view} />
      <PretrainBox view={view} />
      <Episodes view={view} />
      <Signals view={view} task={task} />
      <Preview view={view} />
      <Dimensions view={view} task={task} />
      <Normalization view={view} task={task} />
    </div>
  );
}
