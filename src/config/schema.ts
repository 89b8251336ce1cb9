/**
 * Setting schemas (design/architecture.md §5b "every setting has one schema"): each setting is one valibot
 * schema carrying its type, range, integer-ness and metadata (DPPO's YAML key, a one-line doc, the paper's
 * symbol). Everything that shows or checks a setting reads it from here: the form (range text, integer
 * step, doc line), URL parsing, the CLI's `--set` and options, presets and checkpoint configs.
 *
 * Values arrive as numbers (presets, JSON) or as text (form fields, URL query, CLI). `checkSetting` turns
 * text into a value strictly — a plain decimal number, `true`/`false` — and returns one message per bad
 * value, the same wherever it was typed:
 *
 *   `<key> (<yaml key>) must be <allowed>; got <what was typed>[, which …].[ <why the range>]`
 *
 * Why valibot rather than zod: the checks used here tree-shake to a few kB (zod 4's classic API is ~13 kB
 * gzipped whole), pipes are plain data we can read the bounds back from for the form, and the
 * messages are ours anyway (per-setting, with the allowed range), which both libraries allow.
 */
import * as v from 'valibot';

export interface SettingMeta {
  /** DPPO's YAML key (e.g. `ft_denoising_steps`), or null for settings the reference has no key for. */
  readonly yaml: string | null;
  /** What the setting does, one line. */
  readonly doc: string;
  /** The paper's symbol (spec/dppo-reference.md §2–§4), where it has one. */
  readonly symbol?: string;
  /** Why the range is what it is, added to out-of-range messages (e.g. what fits in memory). */
  readonly why?: string;
}

/** Bounds of a numeric setting; `gt`/`lt` are exclusive, `min`/`max` inclusive. */
export interface Bounds {
  readonly integer?: boolean;
  readonly gt?: number;
  readonly min?: number;
  readonly lt?: number;
  readonly max?: number;
}

type NumberItem = v.PipeItem<number, number, v.BaseIssue<unknown>>;

/** A finite number (an integer when `bounds.integer`) within `bounds`. */
export function numberSetting(bounds: Bounds, meta: SettingMeta) {
  const items: NumberItem[] = [v.finite()];
  if (bounds.integer) items.push(v.safeInteger());
  if (bounds.gt !== undefined) items.push(v.gtValue(bounds.gt));
  if (bounds.min !== undefined) items.push(v.minValue(bounds.min));
  if (bounds.lt !== undefined) items.push(v.ltValue(bounds.lt));
  if (bounds.max !== undefined) items.push(v.maxValue(bounds.max));
  items.push(v.metadata({ ...meta }));
  return v.pipe(v.number(), ...items);
}

export function booleanSetting(meta: SettingMeta) {
  return v.pipe(v.boolean(), v.metadata({ ...meta }));
}

export function choiceSetting<const T extends readonly [string, ...string[]]>(values: T, meta: SettingMeta) {
  return v.pipe(v.picklist(values), v.metadata({ ...meta }));
}

export function textSetting(meta: SettingMeta) {
  return v.pipe(v.string(), v.nonEmpty(), v.metadata({ ...meta }));
}

export type SettingSchema =
  | ReturnType<typeof numberSetting>
  | ReturnType<typeof booleanSetting>
  | ReturnType<typeof textSetting>
  | v.SchemaWithPipe<readonly [v.PicklistSchema<readonly string[], undefined>, v.MetadataAction<string, Record<string, unknown>>]>;

/** What a setting is, read back from its schema (for the form and for messages). */
export interface SettingInfo extends SettingMeta, Bounds {
  readonly kind: 'number' | 'boolean' | 'choice' | 'text';
  /** The choices of a `choice` setting. */
  readonly values?: readonly string[];
  /** The allowed values in words: "a number > 0", "an integer from 1 to 4096", "one of dppo, gaussian, gmm". */
  readonly allowed: string;
}

const infoCache = new WeakMap<object, SettingInfo>();

export function settingInfo(schema: SettingSchema): SettingInfo {
  const cached = infoCache.get(schema);
  if (cached) return cached;
  const base = schema.pipe[0] as { type: string; options?: readonly string[] };
  const bounds: { integer?: boolean; gt?: number; min?: number; lt?: number; max?: number } = {};
  let meta: SettingMeta = { yaml: null, doc: '' };
  for (const item of schema.pipe.slice(1) as { type: string; requirement?: unknown; metadata?: unknown }[]) {
    if (item.type === 'safe_integer') bounds.integer = true;
    else if (item.type === 'gt_value') bounds.gt = item.requirement as number;
    else if (item.type === 'min_value') bounds.min = item.requirement as number;
    else if (item.type === 'lt_value') bounds.lt = item.requirement as number;
    else if (item.type === 'max_value') bounds.max = item.requirement as number;
    else if (item.type === 'metadata') meta = item.metadata as SettingMeta;
  }
  const kind = base.type === 'number' ? 'number' : base.type === 'boolean' ? 'boolean' : base.type === 'picklist' ? 'choice' : 'text';
  const info: SettingInfo = {
    ...meta,
    ...bounds,
    kind,
    values: base.options,
    allowed: kind === 'number' ? allowedNumbers(bounds) : kind === 'boolean' ? 'true or false' : kind === 'choice' ? `one of ${(base.options ?? []).join(', ')}` : 'a non-empty text',
  };
  infoCache.set(schema, info);
  return info;
}

/** "a number > 0", "a number in (0, 1]", "an integer from 1 to 4096", "an integer ≥ 0", "a finite number". */
export function allowedNumbers(b: Bounds): string {
  const what = b.integer ? 'an integer' : 'a number';
  const lo = b.gt ?? b.min;
  const hi = b.lt ?? b.max;
  if (lo !== undefined && hi !== undefined) {
    if (b.integer && b.min !== undefined && b.max !== undefined) return `${what} from ${fmt(b.min)} to ${fmt(b.max)}`;
    return `${what} in ${b.gt !== undefined ? '(' : '['}${fmt(lo)}, ${fmt(hi)}${b.lt !== undefined ? ')' : ']'}`;
  }
  if (lo !== undefined) return `${what} ${b.gt !== undefined ? '>' : '≥'} ${fmt(lo)}`;
  if (hi !== undefined) return `${what} ${b.lt !== undefined ? '<' : '≤'} ${fmt(hi)}`;
  return b.integer ? 'an integer' : 'a finite number';
}

function fmt(x: number): string {
  return String(x);
}

/** The name a message uses: `nEnvs (n_envs)`, or the CLI option when given (`--seed`). */
export function settingLabel(key: string, info: SettingInfo, label?: string): string {
  if (label) return label;
  return info.yaml && info.yaml !== key ? `${key} (${info.yaml})` : key;
}

/** A plain decimal number as people type it: 3, -0.5, .5, 1e-5, 2.5E+3 (no hex, no spaces inside). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

type Coerced = { ok: true; value: unknown; shown: string } | { ok: false; shown: string; why: string };

/** Text or value → the setting's type, strictly; `shown` is what messages quote. */
function coerce(info: SettingInfo, raw: unknown): Coerced {
  const shown = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : JSON.stringify(raw) ?? String(raw);
  if (info.kind === 'number') {
    if (typeof raw === 'number') return Number.isFinite(raw) ? { ok: true, value: raw, shown } : { ok: false, shown, why: 'which is not a finite number' };
    if (typeof raw !== 'string') return { ok: false, shown, why: `which is not a number but a ${typeof raw}` };
    const t = raw.trim();
    if (t === '') return { ok: false, shown: 'nothing', why: '' };
    if (NON_FINITE.test(t)) return { ok: false, shown: `"${t}"`, why: 'which is not a finite number' };
    if (!DECIMAL.test(t)) return { ok: false, shown: `"${t}"`, why: 'which is not a number' };
    const n = Number(t);
    if (!Number.isFinite(n)) return { ok: false, shown: t, why: 'which is too large for a number (it rounds to Infinity)' };
    return { ok: true, value: n, shown: t };
  }
  if (info.kind === 'boolean') {
    if (typeof raw === 'boolean') return { ok: true, value: raw, shown };
    const t = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
    if (t === 'true' || t === '1' || t === 1) return { ok: true, value: true, shown };
    if (t === 'false' || t === '0' || t === 0) return { ok: true, value: false, shown };
    return { ok: false, shown: typeof raw === 'string' ? `"${shown}"` : shown, why: '' };
  }
  return { ok: true, value: typeof raw === 'string' ? raw.trim() : raw, shown: typeof raw === 'string' ? `"${shown}"` : shown };
}

export type CheckResult<T = unknown> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Checks one value (text or typed) against a setting's schema. `label` replaces the setting's name in the
 * message (the CLI passes `--seed` for its own options).
 */
export function checkSetting(key: string, schema: SettingSchema, raw: unknown, label?: string): CheckResult {
  const info = settingInfo(schema);
  const c = coerce(info, raw);
  if (c.ok) {
    const r = v.safeParse(schema as v.GenericSchema, c.value);
    if (r.success) return { ok: true, value: r.output };
  }
  // The range's reason (e.g. what fits in memory) only matters to a value above the top of the range.
  const above = c.ok && typeof c.value === 'number' && ((info.max !== undefined && c.value > info.max) || (info.lt !== undefined && c.value >= info.lt));
  return { ok: false, message: rangeMessage(key, info, c.shown, c.ok ? '' : c.why, label, above) };
}

/** `<label> must be <allowed>; got <shown>[, <why>].[ <info.why>]` (the range's reason when `withWhy`). */
export function rangeMessage(key: string, info: SettingInfo, shown: string, why = '', label?: string, withWhy = true): string {
  const reason = why ? `, ${why}` : '';
  return `${settingLabel(key, info, label)} must be ${info.allowed}; got ${shown}${reason}.${withWhy && info.why ? ` ${info.why}` : ''}`;
}
