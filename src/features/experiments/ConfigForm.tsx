/**
 * The experiment form: task, algorithm, preset and seed, then every fine-tuning hyper-parameter grouped
 * and collapsible. Every change is written to the URL hash at once, so the link shares the experiment.
 */
import { useMemo, useState } from 'react';
import { taskListings, type PresetName } from '../../state/taskCatalog';
import type { Algo } from '../../config/finetune';
import {
  ALGOS,
  ALGO_LABELS,
  ALGO_SHORT,
  formValidity,
  PRESETS,
  presetConfig,
  referenceConfig,
  resetOverrides,
  setExperiment,
  setFieldText,
  useExperiment,
} from '../../state/experiment';
import { checkpointOptions, selectCheckpoint, selectedCheckpoint, usePretrain } from '../../state/pretrain';
import { Button } from '../../ui/Button';
import { ParamField } from './ParamField';
import { PARAM_GROUPS } from './paramMeta';

const PRESET_NOTES: Record<PresetName, string> = {
  reference: 'the D3IL row of the paper (spec §4.8): 50 envs, 51 iterations',
  laptop: 'same algorithm, smaller batch: an iteration takes seconds on 2 cores',
};

export function ConfigForm() {
  const task = useExperiment((s) => s.task);
  const algo = useExperiment((s) => s.algo);
  const preset = useExperiment((s) => s.preset);
  const seed = useExperiment((s) => s.seed);
  const overrides = useExperiment((s) => s.overrides);
  const linkProblems = useExperiment((s) => s.linkProblems);
  const drafts = useExperiment((s) => s.drafts);
  const sessionCheckpoints = usePretrain((s) => s.sessionCheckpoints);
  const chosen = usePretrain((s) => s.chosen);
  const ckptOptions = useMemo(() => checkpointOptions(task, algo, sessionCheckpoints), [task, algo, sessionCheckpoints]);
  const ckpt = selectedCheckpoint(task, algo, { chosen, sessionCheckpoints });
  const base = useMemo(() => presetConfig({ task, algo, preset, seed }), [task, algo, preset, seed]);
  const ref = useMemo(() => referenceConfig({ task, algo, seed }), [task, algo, seed]);
  const { issues } = useMemo(() => formValidity({ task, algo, preset, seed, overrides }, drafts), [task, algo, preset, seed, overrides, drafts]);
  const [copied, setCopied] = useState(false);
  const nChanged = Object.keys(overrides).length;
  const seedText = drafts.seed ?? String(seed);

  const copyLink = () => {
    void navigator.clipboard?.writeText(location.href).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  };

  return (
    <div className="xp-form" data-testid="config-form">
      <div className="xp-row">
        <label className="xp-field">
          <span>task</span>
          <select value={task} onChange={(e) => setExperiment({ task: e.target.value })} data-testid="task">
            {groupedTasks().map(([group, tasks]) => (
              <optgroup key={group} label={group}>
                {tasks.map((t) => (
                  <option key={t.id} value={t.id} title={t.description}>
                    {t.id}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="xp-field">
          <span>seed</span>
          <input
            className="mono xp-seed"
            inputMode="numeric"
            value={seedText}
            aria-invalid={issues.seed ? true : undefined}
            aria-describedby={issues.seed ? 'param-error-seed' : undefined}
            onChange={(e) => setFieldText('seed', e.target.value)}
            data-testid="seed"
          />
        </label>
      </div>
      {issues.seed ? (
        <p className="xp-invalid" id="param-error-seed" role="alert" data-testid="param-error-seed">
          {issues.seed}
        </p>
      ) : null}
      <div className="xp-seg" role="radiogroup" aria-label="algorithm">
        {ALGOS.map((a: Algo) => (
          <button key={a} type="button" role="radio" aria-checked={algo === a} className={algo === a ? 'on' : ''} onClick={() => setExperiment({ algo: a })} title={ALGO_LABELS[a]}>
            {ALGO_SHORT[a]}
          </button>
        ))}
      </div>
      <label className="xp-field wide">
        <span>preset</span>
        <select value={preset} onChange={(e) => setExperiment({ preset: e.target.value as PresetName })} data-testid="preset">
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <p className="hint xp-note">{PRESET_NOTES[preset]}</p>
      <label className="xp-field wide">
        <span>pre-trained policy</span>
        <select value={ckpt} onChange={(e) => selectCheckpoint(task, algo, e.target.value)} data-testid="checkpoint" title={ckpt}>
          {ckptOptions.map((o) => (
            <option key={o.ref} value={o.ref}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {linkProblems.length ? (
        <div className="xp-problems" role="alert">
          The shared link had settings that were ignored: {linkProblems.join('; ')}.
        </div>
      ) : null}
      <div className="xp-row xp-tools">
        <span className="hint">{nChanged ? `${nChanged} changed from the preset` : 'preset values'}</span>
        <Button small variant="ghost" onClick={resetOverrides} disabled={!nChanged}>
          Reset all
        </Button>
        <Button small onClick={copyLink} title="Copy a link that reproduces this experiment (seed included)">
          {copied ? 'Copied' : 'Copy link'}
        </Button>
      </div>
      {PARAM_GROUPS.map((g) => (
        <details key={g.title} className="xp-group" open={g.open || g.keys.some((k) => issues[k])}>
          <summary>
            {g.title}
            {g.keys.some((k) => k in overrides || k in drafts) ? <span className="xp-dot" aria-label="changed" /> : null}
            {g.keys.some((k) => issues[k]) ? <span className="xp-invalid"> · invalid</span> : null}
          </summary>
          {g.keys.map((k) => (
            <ParamField
              key={k}
              name={k}
              value={(overrides[k] ?? base[k]) as number | boolean}
              presetValue={base[k] as number | boolean}
              referenceValue={ref[k] as number | boolean}
              presetName={preset}
              issue={issues[k] ?? null}
            />
          ))}
        </details>
      ))}
    </div>
  );
}

/** Registered tasks grouped by family, in registry order. */
function groupedTasks(): [string, ReturnType<typeof taskListings>][] {
  const groups = new Map<string, ReturnType<typeof taskListings>>();
  for (const t of taskListings()) groups.set(t.group, [...(groups.get(t.group) ?? []), t]);
  return [...groups];
}
