/**
 * `dppo export --ckpt FILE|builtin:… --format safetensors|onnx|tfjs --out PATH`: a checkpoint in any
 * importable format (workbench or foreign safetensors, DPPO's PyTorch .pt, our ONNX, TF.js model.json) to
 * an export format (docs/checkpoints.md). Files without a config (.pt, foreign safetensors) get it from the
 * tensor shapes plus --task (its default actor) or the explicit options; the summary says which source key
 * and which assumptions were used.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Activation } from '../../config/model';
import { UserError } from '../../core/errors';
import { EXPORT_FORMATS, exportCheckpoint, hintsFromActorConfig, importCheckpointFiles, type ConfigHints, type NamedFile } from '../../data/checkpoints';
import { actorConfigFor, isBuiltin, taskSpec } from '../../sim/registry';
import { initTf } from '../../policy/tfSetup';
import type { CommandSpec, Parsed } from '../args';
import { checkOutputPath, readAsset, readInputFile } from '../assets';
import type { Output } from '../output';

export const exportSpec: CommandSpec = {
  options: {
    ckpt: { type: 'string', value: 'CKPT', help: 'checkpoint: .safetensors, DPPO .pt, .onnx, TF.js model.json (its .bin beside it) or builtin:<task>/<policy>' },
    format: { type: 'string', value: 'safetensors|onnx|tfjs', help: 'export format' },
    out: { type: 'string', value: 'PATH', help: 'output file (tfjs: a folder, or a model.json path, for model.json + weights.bin)' },
    task: { type: 'string', value: 'T', help: "task whose default actor fills what a .pt's shapes do not say (Ta, activation, K); recorded in the provenance" },
    'action-dim': { type: 'string', value: 'Da', help: 'action dimension (splits the Ta·Da output of an MLP)' },
    horizon: { type: 'string', value: 'Ta', help: 'action chunk length' },
    activation: { type: 'string', value: 'relu|mish|…', help: 'head activation of a config-less file' },
    'denoising-steps': { type: 'string', value: 'K', help: 'denoising steps of a config-less file' },
    'ft-steps': { type: 'string', value: "K'", help: 'fine-tuned denoising steps of a config-less fine-tuning file' },
  },
};

const ACTIVATIONS: readonly Activation[] = ['relu', 'mish', 'tanh', 'elu', 'gelu', 'silu', 'identity'];

/** The input file(s): a TF.js model.json brings the weight files its manifest names from its folder. */
function readInputs(ref: string): NamedFile[] {
  if (isBuiltin(ref)) return [{ name: ref, bytes: readAsset(ref) }];
  const bytes = readInputFile(ref, '--ckpt', null);
  const files: NamedFile[] = [{ name: basename(ref), bytes }];
  if (bytes[0] === 0x7b) {
    let manifest: { weightsManifest?: { paths?: string[] }[] } = {};
    try {
      manifest = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new UserError(`--ckpt ${ref} starts like JSON but is not valid JSON (a TF.js model.json was expected).`);
    }
    for (const p of (manifest.weightsManifest ?? []).flatMap((g) => g.paths ?? [])) {
      const path = join(dirname(ref), p);
      if (!existsSync(path)) throw new UserError(`--ckpt ${ref} names the weight file ${p}, which is not beside it (${path}).`);
      files.push({ name: basename(p), bytes: new Uint8Array(readFileSync(path)) });
    }
  }
  return files;
}

export async function cmdExport(p: Parsed, out: Output): Promise<void> {
  const ref = p.str('ckpt');
  const format = p.choice('format', EXPORT_FORMATS);
  const outPath = p.str('out');
  const hints: ConfigHints & { ftDenoisingSteps?: number } = {};
  let task: string | undefined;
  if (p.opts.has('task')) {
    task = p.str('task');
    taskSpec(task);
    Object.assign(hints, hintsFromActorConfig(actorConfigFor(task, 'diffusion-mlp')));
  }
  if (p.opts.has('action-dim')) hints.actionDim = p.int('action-dim', { min: 1, max: 4096 });
  if (p.opts.has('horizon')) hints.horizonSteps = p.int('horizon', { min: 1, max: 4096 });
  if (p.opts.has('activation')) hints.activation = p.choice('activation', ACTIVATIONS);
  if (p.opts.has('denoising-steps')) hints.denoisingSteps = p.int('denoising-steps', { min: 1, max: 10_000 });
  if (p.opts.has('ft-steps')) hints.ftDenoisingSteps = p.int('ft-steps', { min: 1, max: 10_000 });
  if (p.opts.has('horizon') && !p.opts.has('action-dim')) delete hints.actionDim;

  let outDir: string | null = null;
  if (format === 'tfjs') {
    outDir = extname(outPath) === '.json' ? dirname(outPath) : outPath;
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UserError(`--out ${outDir} is a file; TF.js export writes model.json + weights.bin into a folder.`);
  } else checkOutputPath(outPath, '--out');

  const imported = importCheckpointFiles(readInputs(ref), hints);
  const ckpt = imported.checkpoint;
  if (task && ckpt.provenance.task === undefined) ckpt.provenance = { ...ckpt.provenance, task };
  if (format === 'tfjs') await initTf('cpu');
  const files = await exportCheckpoint(ckpt, format, basename(outPath, extname(outPath)));
  const written: string[] = [];
  if (outDir !== null) {
    mkdirSync(outDir, { recursive: true });
    const jsonName = extname(outPath) === '.json' ? basename(outPath) : 'model.json';
    for (const f of files) {
      const path = join(outDir, f.name === 'model.json' ? jsonName : f.name);
      writeFileSync(path, f.bytes);
      written.push(path);
    }
  } else {
    writeFileSync(outPath, files[0].bytes);
    written.push(outPath);
  }
  let params = 0;
  for (const w of ckpt.weights.values()) params += w.data.length;
  out.summary({
    ckpt: ref,
    input_format: imported.format,
    source_key: imported.sourceKey,
    format,
    out: written,
    bytes: files.reduce((n, f) => n + f.bytes.length, 0),
    policy: ckpt.actorConfig.kind,
    params,
    obs_dim: ckpt.actorConfig.obsDim,
    act_dim: ckpt.actorConfig.actionDim,
    horizon: ckpt.actorConfig.horizonSteps,
    notes: imported.notes,
  });
}
