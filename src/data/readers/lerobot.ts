/**
 * LeRobot v3 parquet (spec/ecosystem.md §1e): one `data/chunk-XXX/file-YYY.parquet` holds the frames of many
 * episodes, possibly interleaved. Columns: `observation.state` and `action` (float lists), `episode_index`,
 * `frame_index`, `index` (int64), optional `next.reward`, `next.done`. Read with hyparquet row group by row
 * group (progress and cancel in between); episodes are regrouped by episode_index and ordered by
 * frame_index, which must run 0…L−1 without gaps or repeats.
 */
import { gunzipSync } from 'fflate';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { UserError } from '../../core/errors';
import type { EpisodeDataset } from '../episodes';
import { validateEpisodeDataset } from '../episodes';
import type { Progress } from './progress';
import type { ByteSource } from './source';
import type { ReadOptions, ReadResult } from './types';

export const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1" at both ends (Apache Parquet file format)

const OBS = 'observation.state';
const ACT = 'action';

function asyncBuffer(src: ByteSource): AsyncBuffer {
  return {
    byteLength: src.size,
    slice: async (start: number, end?: number) => {
      const b = await src.read(start, end ?? src.size);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
}

// hyparquet decodes snappy itself; gzip (pyarrow's compression='gzip') comes from fflate.
const compressors = { GZIP: (input: Uint8Array) => gunzipSync(input) };

/** A library message worth showing (not an internal "undefined"/"Cannot read properties" one). */
function libDetail(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return /undefined|null|NaN|Cannot read|is not a function|out of bounds|\[object /.test(msg) ? '' : ` (${msg.slice(0, 160)})`;
}

function footerError(name: string, size: number, e: unknown): UserError {
  if (e instanceof UserError) return e;
  return new UserError(`${name}: its parquet footer (metadata at the end of the ${size}-byte file) cannot be decoded${libDetail(e)}; the file is truncated or damaged — download it again.`);
}

export async function readLerobot(src: ByteSource, _opts: ReadOptions, progress: Progress): Promise<ReadResult> {
  const file = asyncBuffer(src);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw footerError(src.name, src.size, e);
  }
  if (!Array.isArray(metadata.schema) || !Array.isArray(metadata.row_groups)) throw footerError(src.name, src.size, null);
  const columns = metadata.schema.slice(1).map((s) => s.name);
  // List columns appear in the flat schema as the list group's name (its children are list/element).
  const top = topLevelNames(metadata);
  const missing = [OBS, ACT, 'episode_index', 'frame_index'].filter((c) => !top.includes(c));
  if (missing.length) {
    throw new UserError(`${src.name} is parquet but lacks ${missing.map((c) => `'${c}'`).join(', ')} (columns: ${top.slice(0, 12).join(', ') || columns.join(', ')}); LeRobot v3 data files have observation.state, action, episode_index and frame_index.`);
  }
  const want = [OBS, ACT, 'episode_index', 'frame_index', ...['index', 'next.reward', 'next.done'].filter((c) => top.includes(c))];
  const total = Number(metadata.num_rows);
  if (!Number.isFinite(total) || total <= 0) throw new UserError(`${src.name} has no rows.`);
  metadata.row_groups.forEach((rg, k) => {
    if (!Number.isInteger(Number(rg.num_rows)) || Number(rg.num_rows) < 0) throw new UserError(`${src.name}: row group ${k + 1} of ${metadata.row_groups.length} has no valid row count; the file's footer is damaged.`);
  });
  const groupRows = metadata.row_groups.reduce((a, rg) => a + Number(rg.num_rows), 0);
  if (groupRows !== total) throw new UserError(`${src.name}: the footer says ${total} rows but its row groups hold ${groupRows}; the file is damaged.`);
  if (total > src.size * 64 + 1000) throw new UserError(`${src.name} claims ${total} rows, more than a ${src.size}-byte file can hold; the file is damaged.`);

  type Frame = { ep: number; frame: number; index?: number; obs: ArrayLike<number>; act: ArrayLike<number>; rew?: number; done?: boolean };
  const frames: Frame[] = [];
  let rowStart = 0;
  for (const [g, rg] of metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(rg.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, columns: want, rowStart, rowEnd, compressors });
    } catch (e) {
      if (e instanceof UserError) throw e;
      const offsets = (rg.columns ?? []).map((c) => Number(c.meta_data?.data_page_offset ?? NaN)).filter(Number.isFinite);
      const bytes = offsets.length ? `, data from byte ${Math.min(...offsets)}` : '';
      throw new UserError(`${src.name}: row group ${g + 1} of ${metadata.row_groups.length} (rows ${rowStart}–${rowEnd - 1}${bytes}) cannot be decoded${libDetail(e)}; the file is damaged — download it again.`);
    }
    rows.forEach((r, k) => {
      const at = `${src.name} row ${rowStart + k}`;
      frames.push({
        ep: int(r.episode_index, `${at}: episode_index`),
        frame: int(r.frame_index, `${at}: frame_index`),
        index: r.index === undefined ? undefined : int(r.index, `${at}: index`),
        obs: numList(r[OBS], `${at}: ${OBS}`),
        act: numList(r[ACT], `${at}: ${ACT}`),
        rew: r['next.reward'] === undefined || r['next.reward'] === null ? undefined : Number(r['next.reward']),
        done: r['next.done'] === undefined || r['next.done'] === null ? undefined : Boolean(r['next.done']),
      });
    });
    rowStart = rowEnd;
    await progress.tick('frames', Math.min(rowStart, total), total);
  }
  if (frames.length === 0) throw new UserError(`${src.name} has no rows.`);
  const obsDim = frames[0].obs.length;
  const actDim = frames[0].act.length;
  if (obsDim === 0 || actDim === 0) throw new UserError(`${src.name}: ${OBS} or ${ACT} lists are empty in the first row.`);

  // Group by episode, order by frame_index; validate the ranges.
  const byEp = new Map<number, Frame[]>();
  frames.forEach((f, row) => {
    if (f.obs.length !== obsDim) throw new UserError(`${src.name} row ${row}: ${OBS} has ${f.obs.length} values; the first row has ${obsDim}.`);
    if (f.act.length !== actDim) throw new UserError(`${src.name} row ${row}: ${ACT} has ${f.act.length} values; the first row has ${actDim}.`);
    let list = byEp.get(f.ep);
    if (!list) byEp.set(f.ep, (list = []));
    list.push(f);
  });
  const eps = [...byEp.keys()].sort((a, b) => a - b);
  const seenIndex = new Set<number>();
  const lengths: number[] = [];
  const T = frames.length;
  const obs = new Float32Array(T * obsDim);
  const act = new Float32Array(T * actDim);
  const hasRew = frames.every((f) => f.rew !== undefined);
  const hasDone = frames.every((f) => f.done !== undefined);
  const rew = hasRew ? new Float32Array(T) : undefined;
  const terminals = hasDone ? new Uint8Array(T) : undefined;
  let t = 0;
  for (const ep of eps) {
    const list = byEp.get(ep)!.sort((a, b) => a.frame - b.frame);
    const L = list.length;
    for (let k = 0; k < L; k++) {
      if (list[k].frame !== k) {
        const what = list[k].frame < k ? `frame_index ${list[k].frame} appears twice` : `frame_index ${k} is missing (frames run 0–${list[L - 1].frame}, ${L} present)`;
        throw new UserError(`${src.name}: episode_index ${ep}: ${what}; LeRobot frames of an episode run 0…L−1.`);
      }
      const idx = list[k].index;
      if (idx !== undefined) {
        if (seenIndex.has(idx)) throw new UserError(`${src.name}: index ${idx} appears twice (episode_index ${ep}, frame_index ${k}); 'index' is a global frame number.`);
        seenIndex.add(idx);
        if (list[0].index !== undefined && idx - list[0].index !== k) {
          throw new UserError(`${src.name}: episode_index ${ep}: index ${idx} at frame_index ${k} does not follow the episode's first index ${list[0].index}.`);
        }
      }
      obs.set(list[k].obs, t * obsDim);
      act.set(list[k].act, t * actDim);
      if (rew) rew[t] = list[k].rew!;
      if (terminals) terminals[t] = list[k].done ? 1 : 0;
      t++;
    }
    lengths.push(L);
  }
  const dataset: EpisodeDataset = {
    obsDim,
    actDim,
    obs,
    act,
    rew,
    terminals,
    episodeLengths: Int32Array.from(lengths),
    normalized: false,
    source: { format: 'lerobot-parquet', description: `LeRobot v3 parquet: ${lengths.length} episodes, ${T} frames` },
  };
  validateEpisodeDataset(dataset, src.name, { finite: false });
  const interleaved = frames.some((f, i) => i > 0 && f.ep !== frames[i - 1].ep && frames.slice(0, i).some((g) => g.ep === f.ep));
  return {
    format: 'lerobot-parquet',
    dataset,
    mapping: { obs: [{ key: OBS, dims: obsDim }], act: ACT, rew: hasRew ? 'next.reward' : undefined, ends: hasDone ? ['next.done'] : undefined },
    hint: { format: 'lerobot-parquet', obsDim, actDim },
    notes: interleaved ? ['frames of different episodes are interleaved in the file; regrouped by episode_index'] : [],
  };
}

function topLevelNames(md: FileMetaData): string[] {
  const out: string[] = [];
  const schema = md.schema;
  let i = 1;
  const skip = (idx: number): number => {
    const n = schema[idx].num_children ?? 0;
    let j = idx + 1;
    for (let c = 0; c < n; c++) j = skip(j);
    return j;
  };
  while (i < schema.length) {
    out.push(schema[i].name);
    i = skip(i);
  }
  return out;
}

function int(v: unknown, where: string): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${where} is ${String(v)}; expected a non-negative integer.`);
  return n;
}

function numList(v: unknown, where: string): ArrayLike<number> {
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x !== 'number') throw new UserError(`${where} holds ${typeof x} values; expected numbers.`);
    return v as number[];
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number>;
  throw new UserError(`${where} is ${v === null ? 'null' : typeof v}; expected a list of numbers.`);
}
