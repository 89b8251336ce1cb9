/**
 * The experiment being set up on the Experiments page: task, algorithm, preset, seed and hyper-parameter
 * overrides. It lives in the URL hash (ux.md "every setting lives in the URL"), as the query part of the
 * route: `#/experiments?task=avoid-m2&algo=dppo&preset=laptop&seed=0&nEnvs=8` — overrides use the
 * FinetuneConfig key and are written only where they differ from the preset.
 */
import { create } from 'zustand';
import {
  ALGOS as CONFIG_ALGOS,
  checkFinetuneSetting,
  FINETUNE_KEYS,
  finetuneIssues,
  isFinetuneKey,
  resolveFinetuneConfig,
  unknownSettingMessage,
  type Algo,
  type FinetuneConfig,
  type FinetuneKey,
} from '../config/finetune';
import type { ActorConfig } from '../config/model';
import { actorConfigFor } from '../sim/registry';
import { kindForAlgo } from './pretrain';
import { defaultTask, isTaskId, PRESET_NAMES, taskListings, taskPreset, type PresetName, type TaskId } from './taskCatalog';

export type OverrideValue = number | boolean;
export type Overrides = Partial<Record<keyof FinetuneConfig, OverrideValue>>;

export interface ExperimentSettings {
  task: TaskId;
  algo: Algo;
  preset: PresetName;
  seed: number;
  overrides: Overrides;
}

export const ALGOS: readonly Algo[] = CONFIG_ALGOS;
export const ALGO_LABELS: Record<Algo, string> = { dppo: 'DPPO', gaussian: 'Gaussian-PPO', gmm: 'GMM-PPO' };
export const ALGO_SHORT: Record<Algo, string> = { dppo: 'DPPO', gaussian: 'Gaussian', gmm: 'GMM' };
export const PRESETS: readonly PresetName[] = PRESET_NAMES;
/** Keys chosen by their own controls, never overrides. */
const FIXED_KEYS = new Set<string>(['task', 'algo', 'seed']);

export const DEFAULT_SETTINGS: ExperimentSettings = { task: defaultTask(), algo: 'dppo', preset: 'laptop', seed: 0, overrides: {} };

export function presetConfig(s: Pick<ExperimentSettings, 'task' | 'algo' | 'preset' | 'seed'>): FinetuneConfig {
  return taskPreset(s.task, s.preset)(s.task, s.algo, s.seed);
}

/** The reference (spec §4.8) configuration for the same task/algorithm, for the hover hints. */
export function referenceConfig(s: Pick<ExperimentSettings, 'task' | 'algo' | 'seed'>): FinetuneConfig {
  return taskPreset(s.task, 'reference')(s.task, s.algo, s.seed);
}

/** Full validated config; throws UserError with the offending key. */
export function configOf(s: ExperimentSettings): FinetuneConfig {
  return resolveFinetuneConfig(presetConfig(s), s.overrides);
}

/**
 * Text typed into a field that is not a valid value of its setting. It is kept as typed (the field shows it
 * with the reason) and keeps Start disabled; it never reaches the URL or a run.
 */
export type Drafts = Partial<Record<FinetuneKey, string>>;

/** The actor the experiment fine-tunes (the task's network for the algorithm: bundled and session checkpoints share it). */
export function formActor(task: string, algo: Algo): ActorConfig | null {
  try {
    return actorConfigFor(task, kindForAlgo(algo));
  } catch {
    return null;
  }
}

export interface FormValidity {
  /** The config a run would start with, or null while any setting is invalid. */
  config: FinetuneConfig | null;
  /** Why each invalid setting is invalid (message names the setting and the allowed range), by key. */
  issues: Partial<Record<FinetuneKey, string>>;
}

/**
 * The form's settings checked by the same schema as `--set` and links: typed text first (each draft gets its
 * setting's message), then — once every value is valid — the relations between settings and those against
 * the checkpoint's actor (K′ ≤ K, rollout memory).
 */
export function formValidity(s: ExperimentSettings, drafts: Drafts = {}, actor: ActorConfig | null = formActor(s.task, s.algo)): FormValidity {
  const candidate: Record<string, unknown> = { ...presetConfig(s), ...s.overrides, ...drafts };
  const { config, issues } = finetuneIssues(candidate, actor);
  const byKey: Partial<Record<FinetuneKey, string>> = {};
  for (const i of issues) byKey[i.key] ??= i.message;
  return { config: config ? resolveFinetuneConfig(config) : null, issues: byKey };
}

/** The message the form shows for text typed into a setting's field (null when the text is a valid value). */
export function fieldMessage(key: FinetuneKey, text: string): string | null {
  const r = checkFinetuneSetting(key, text);
  return r.ok ? null : r.message;
}

/** Parses the query part of the hash. Unknown or invalid entries are skipped and reported. */
export function parseExperimentQuery(query: string): { settings: ExperimentSettings; problems: string[] } {
  const params = new URLSearchParams(query);
  const problems: string[] = [];
  const s: ExperimentSettings = { ...DEFAULT_SETTINGS, overrides: {} };
  const task = params.get('task');
  if (task !== null) {
    if (isTaskId(task)) s.task = task;
    else problems.push(`task "${task}" is not one of ${taskListings().map((t) => t.id).join(', ')}`);
  }
  const algo = params.get('algo');
  if (algo !== null) {
    if ((ALGOS as readonly string[]).includes(algo)) s.algo = algo as Algo;
    else problems.push(`algo "${algo}" is not one of ${ALGOS.join(', ')}`);
  }
  const preset = params.get('preset');
  if (preset !== null) {
    if ((PRESETS as readonly string[]).includes(preset)) s.preset = preset as PresetName;
    else problems.push(`preset "${preset}" is not one of ${PRESETS.join(', ')}`);
  }
  const seed = params.get('seed');
  if (seed !== null) {
    const r = checkFinetuneSetting('seed', seed);
    if (r.ok) s.seed = r.value as number;
    else problems.push(r.message);
  }
  for (const [key, raw] of params) {
    if (key === 'preset' || FIXED_KEYS.has(key)) continue;
    if (!isFinetuneKey(key)) {
      problems.push(unknownSettingMessage(key));
      continue;
    }
    const r = checkFinetuneSetting(key, raw);
    if (r.ok) s.overrides[key] = r.value as OverrideValue;
    else problems.push(r.message);
  }
  s.overrides = pruneOverrides(s, s.overrides);
  try {
    configOf(s);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  return { settings: s, problems };
}

/** Drops overrides equal to the preset value. */
export function pruneOverrides(s: Omit<ExperimentSettings, 'overrides'>, overrides: Overrides): Overrides {
  const base = presetConfig(s);
  const out: Overrides = {};
  for (const [k, v] of Object.entries(overrides) as [keyof FinetuneConfig, OverrideValue][]) {
    if (!FIXED_KEYS.has(k) && base[k] !== v) out[k] = v;
  }
  return out;
}

export function formatExperimentQuery(s: ExperimentSettings): string {
  const params = new URLSearchParams({ task: s.task, algo: s.algo, preset: s.preset, seed: String(s.seed) });
  for (const k of FINETUNE_KEYS) {
    const v = s.overrides[k];
    if (v !== undefined) params.set(k, String(v));
  }
  return params.toString();
}

/** `#/experiments?a=b` → { path: '/experiments', query: 'a=b' }. */
export function splitHash(hash: string): { path: string; query: string } {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = h.indexOf('?');
  return q < 0 ? { path: h, query: '' } : { path: h.slice(0, q), query: h.slice(q + 1) };
}

interface ExperimentState extends ExperimentSettings {
  /** Problems found in the shared link, shown once next to the form. */
  linkProblems: string[];
  /** Invalid text typed into fields, kept as typed (see Drafts). */
  drafts: Drafts;
}

/** Where the last-used form state is kept between visits (localStorage). */
export const SETTINGS_STORAGE_KEY = 'dppo.experiment.v1';

/**
 * The last-used settings from their stored JSON, through the same schema as a link: an unknown or invalid
 * entry is dropped (the rest is kept); settings that do not fit together fall back to the preset's values;
 * anything unreadable gives null (the defaults apply). Never throws.
 */
export function restoreSettings(stored: string | null): ExperimentSettings | null {
  if (!stored) return null;
  let data: unknown;
  try {
    data = JSON.parse(stored);
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const d = data as Record<string, unknown>;
  const params = new URLSearchParams();
  const plain = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  for (const k of ['task', 'algo', 'preset', 'seed'] as const) if (plain(d[k])) params.set(k, String(d[k]));
  if (d.overrides && typeof d.overrides === 'object' && !Array.isArray(d.overrides)) {
    for (const [k, v] of Object.entries(d.overrides as Record<string, unknown>)) if (!FIXED_KEYS.has(k) && k !== 'preset' && plain(v)) params.set(k, String(v));
  }
  const { settings } = parseExperimentQuery(params.toString());
  try {
    configOf(settings);
    return settings;
  } catch {
    return { ...settings, overrides: {} };
  }
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function storedSettings(): ExperimentSettings | null {
  try {
    return restoreSettings(storage()?.getItem(SETTINGS_STORAGE_KEY) ?? null);
  } catch {
    return null;
  }
}

/** Settings carried by the hash of the Experiments route; without any, the last-used ones (or the defaults). */
function fromLocation(): ExperimentState {
  const hash = typeof location === 'undefined' ? '' : location.hash;
  const { path, query } = splitHash(hash);
  if (!query || !/^\/?(experiments)?\/?$/.test(path)) return { ...(storedSettings() ?? DEFAULT_SETTINGS), linkProblems: [], drafts: {} };
  const { settings, problems } = parseExperimentQuery(query);
  return { ...settings, linkProblems: problems, drafts: {} };
}

export const useExperiment = create<ExperimentState>(fromLocation);

// The form state is remembered for the next visit whenever it changes (typed drafts are not: only valid values).
let lastStored = '';
useExperiment.subscribe((e) => {
  const json = JSON.stringify(settingsOf(e));
  if (json === lastStored) return;
  lastStored = json;
  try {
    storage()?.setItem(SETTINGS_STORAGE_KEY, json);
  } catch {
    // Storage full or disabled: the URL still carries the settings.
  }
});

/** The form settings that reproduce a run's config (its preset, with the differing values as overrides). */
export function settingsOfRun(config: FinetuneConfig, preset: string): ExperimentSettings {
  const p: PresetName = (PRESETS as readonly string[]).includes(preset) ? (preset as PresetName) : 'laptop';
  const base = { task: config.task as TaskId, algo: config.algo, preset: p, seed: config.seed };
  const overrides: Overrides = {};
  for (const k of FINETUNE_KEYS) {
    const v = (config as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number' || typeof v === 'boolean') overrides[k] = v;
  }
  return { ...base, overrides: pruneOverrides(base, overrides) };
}

/** Puts whole settings into the form (e.g. a run's config), replacing what was there. */
export function loadSettings(s: ExperimentSettings): void {
  useExperiment.setState({ ...s, overrides: { ...s.overrides }, linkProblems: [], drafts: {} });
  writeHash();
}

export function settingsOf(s: ExperimentState): ExperimentSettings {
  return { task: s.task, algo: s.algo, preset: s.preset, seed: s.seed, overrides: s.overrides };
}

function writeHash(): void {
  if (typeof window === 'undefined') return;
  const { path } = splitHash(window.location.hash);
  const next = `#${path || '/experiments'}?${formatExperimentQuery(settingsOf(useExperiment.getState()))}`;
  if (window.location.hash !== next) history.replaceState(history.state, '', next);
}

/** Updates task/algo/preset/seed; overrides equal to the new preset are dropped. */
export function setExperiment(patch: Partial<Omit<ExperimentSettings, 'overrides'>>): void {
  const cur = settingsOf(useExperiment.getState());
  const next = { ...cur, ...patch };
  useExperiment.setState({ ...patch, overrides: pruneOverrides(next, cur.overrides), linkProblems: [] });
  writeHash();
}

/** Sets (or with undefined, resets to the preset) one setting's value; its draft, if any, is dropped. */
export function setOverride(key: keyof FinetuneConfig, value: OverrideValue | undefined): void {
  const state = useExperiment.getState();
  const cur = settingsOf(state);
  const overrides = { ...cur.overrides };
  if (value === undefined) delete overrides[key];
  else overrides[key] = value;
  const drafts = { ...state.drafts };
  delete drafts[key];
  useExperiment.setState({ overrides: pruneOverrides(cur, overrides), drafts });
  writeHash();
}

/**
 * Text typed into a setting's field (the seed included): a valid value is applied at once; anything else
 * is kept as a draft that marks the field and keeps Start disabled.
 */
export function setFieldText(key: FinetuneKey, text: string): void {
  const r = checkFinetuneSetting(key, text);
  if (!r.ok) {
    useExperiment.setState((s) => ({ drafts: { ...s.drafts, [key]: text } }));
    return;
  }
  if (key === 'seed') {
    useExperiment.setState((s) => {
      const drafts = { ...s.drafts };
      delete drafts.seed;
      return { drafts };
    });
    setExperiment({ seed: r.value as number });
  } else {
    setOverride(key, r.value as OverrideValue);
  }
}

export function resetOverrides(): void {
  useExperiment.setState((s) => ({ overrides: {}, drafts: s.drafts.seed !== undefined ? { seed: s.drafts.seed } : {} }));
  writeHash();
}

/**
 * Keeps the hash and the settings in step while the Experiments page is shown: a hash with a query (a
 * pasted link) wins, otherwise the current settings are written into it.
 */
export function syncExperimentWithHash(): void {
  if (typeof window === 'undefined') return;
  const { query } = splitHash(window.location.hash);
  if (!query) {
    writeHash();
    return;
  }
  const { settings, problems } = parseExperimentQuery(query);
  const cur = formatExperimentQuery(settingsOf(useExperiment.getState()));
  if (formatExperimentQuery(settings) !== cur) useExperiment.setState({ ...settings, linkProblems: problems, drafts: {} });
}
