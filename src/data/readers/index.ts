/**
 * Dataset readers (spec/ecosystem.md §1): the format is chosen by content (detect.ts), every reader returns
 * the one episode schema (../episodes.ts) plus the key mapping it used and a hint for the task suggestion.
 *
 *   const r = await readDataset(sourceFromBytes(bytes, 'file.hdf5'), { onProgress, signal, obsKeyOrder });
 */
import { UserError } from '../../core/errors';
import { hdf5Layout, readD4rl, readMinari, readRobomimic } from './hdf5Readers';
import { openH5 } from './h5';
import { readLerobot } from './lerobot';
import { readDppoNpz } from './npzReader';
import { Progress } from './progress';
import { sniffFile, type Sniffed } from './detect';
import type { ByteSource } from './source';
import type { ReadOptions, ReadResult, ReaderFormat } from './types';

export * from './types';
export { sniffFile, zipEntries, type Sniffed, type CheckpointContainer } from './detect';
export { ReadCancelled, type ReadProgress } from './progress';
export { sourceFromBlob, sourceFromBytes, readAll, type ByteSource } from './source';
export { robomimicReferenceOrder, sortNumeric } from './hdf5Readers';

const CHECKPOINT_NAMES: Record<string, string> = {
  safetensors: 'a safetensors checkpoint',
  'pytorch-zip': 'a PyTorch checkpoint (.pt)',
  onnx: 'an ONNX model',
  'tfjs-json': 'a TF.js model (model.json)',
};

function notADataset(src: ByteSource, s: Sniffed): UserError {
  if (s.kind === 'checkpoint') return new UserError(`${src.name} is ${CHECKPOINT_NAMES[s.container]}, not a dataset; open it on the Policies page (or \`dppo inspect\`).`);
  return new UserError(`${src.name} is DPPO's normalization.npz (${s.kind === 'normalization-npz' ? s.entries.join(', ') : ''}); it goes with a train.npz — add the train.npz (and this file as its normalisation).`);
}

/** The dataset format of a file (HDF5 files are opened to look at their layout); a specific UserError otherwise. */
export async function detectDataset(src: ByteSource): Promise<ReaderFormat> {
  const s = await sniffFile(src);
  if (s.kind === 'npz') return 'dppo-npz';
  if (s.kind === 'parquet') return 'lerobot-parquet';
  if (s.kind === 'hdf5') {
    const h = await openH5(src);
    try {
      return hdf5Layout(h);
    } finally {
      h.close();
    }
  }
  throw notADataset(src, s);
}

/** Reads any supported dataset file into the episode schema, with progress and cancellation. */
export async function readDataset(src: ByteSource, opts: ReadOptions = {}): Promise<ReadResult> {
  const progress = new Progress(src.name, opts.onProgress, opts.signal);
  progress.checkCancel();
  const s = await sniffFile(src);
  let result: ReadResult;
  if (s.kind === 'npz') result = await readDppoNpz(src, opts, progress);
  else if (s.kind === 'parquet') result = await readLerobot(src, opts, progress);
  else if (s.kind === 'hdf5') {
    const h = await openH5(src);
    try {
      const layout = hdf5Layout(h);
      result = layout === 'd4rl-hdf5' ? await readD4rl(h, opts, progress) : layout === 'robomimic-hdf5' ? await readRobomimic(h, opts, progress) : await readMinari(h, opts, progress);
    } finally {
      h.close();
    }
  } else throw notADataset(src, s);
  result.hint.fileName = src.name.split(/[\\/]/).pop();
  await progress.tick('done', 1, 1, true);
  return result;
}
export { summarizeRead, type DatasetSummary } from './summary';
export { analyzeDataset, prepareTrainingData, rawObs, histogram, type DatasetAnalysis, type DimStats, type Histogram, type EpisodeRow, type SanityReport, type TrainingData } from './analyze';
