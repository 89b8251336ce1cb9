/**
 * `dppo bench sim|sample|update|finetune|workload`: throughput figures as JSON (record results with the command
 * in docs/benchmarks.md). Speed targets live here, not in timed tests. `workload` is the in-app benchmark's
 * measurement (bench/workload.ts: chain, update minibatch, short fine-tuning, BC batches) on each backend of
 * `--backend` (a comma list, e.g. wasm,cpu; webgpu needs a real GPU adapter, see policy/tfSetup.ts).
 */
import { resolveFinetuneConfig, type Algo } from '../../config/finetune';
import { UserError } from '../../core/errors';
import { defaultCheckpointFor, defaultTaskId, taskFamily } from '../../sim/registry';
import { initTf, type BackendName } from '../../policy/tfSetup';
import { setDirectChainMode } from '../../policy/wasmKernels';
import { finetunePpo } from '../../train/finetunePpo';
import type { Parsed } from '../args';
import { bridgeFactory } from '../envs';
import type { BridgeEnvSource } from '../../bridge/bridgeVecEnv';
import { loadCheckpointRef } from '../assets';
import type { Output } from '../output';
import { defaultPoolWorkers } from '../../sim/pool';
import { benchSim } from '../../../bench/simBench';
import { benchSample, benchUpdate } from '../../../bench/policyBench';
import { defaultWorkloadSpec, runWorkload, type WorkloadSpec } from '../../../bench/workload';
import { readAsset } from '../assets';
import { loadDppoNpz } from '../../data/dppoNpz';

export async function cmdBench(p: Parsed, out: Output): Promise<void> {
  const what = p.positional[0];
  if (what === 'workload') return benchWorkload(p, out);
  const backend = (p.opts.get('backend') ?? 'wasm') as BackendName;
  const task = p.opts.get('task');
  const kernels = p.str('kernels', 'dppo');
  if (kernels !== 'dppo' && kernels !== 'xnnpack') throw new UserError(`--kernels must be dppo or xnnpack, not "${kernels}"`);
  const tfOpts = { fastKernels: kernels === 'dppo' };
  const chain = p.str('chain', 'auto');
  if (chain !== 'auto' && chain !== 'single' && chain !== 'off') throw new UserError(`--chain must be auto, single or off, not "${chain}"`);
  setDirectChainMode(chain);
  switch (what) {
    case 'sim': {
      // --bridge: bridge-hosted envs measured beside the pool in the same blocks (docs/benchmarks.md, "Bridge").
      let source: BridgeEnvSource | null = null;
      const make = bridgeFactory(p, (s) => {
        source = s;
      });
      const bridge = make ? { make, describe: () => ({ ...(source ?? {}) }) } : undefined;
      out.summary({
        bench: 'sim',
        ...(await benchSim({
          task: task ?? defaultTaskId(),
          workers: p.opts.has('workers') ? p.num('workers') : defaultPoolWorkers(),
          envs: p.num('envs', 40),
          seconds: p.num('seconds', 6),
          blockSeconds: p.num('block-seconds', 1),
          native: p.str('native', 'on') !== 'off',
          python: p.opts.get('python'),
          bridge,
        })),
      });
      return;
    }
    case 'sample':
      await initTf(backend, tfOpts);
      out.summary({ bench: 'sample', ...(await benchSample({ task: task ?? defaultTaskId(), backend, kernels, envs: p.num('envs', 40), reps: p.num('reps', 200) })) });
      return;
    case 'update':
      await initTf(backend, tfOpts);
      out.summary({ bench: 'update', ...(await benchUpdate({ task: task ?? defaultTaskId(), backend, kernels, batch: p.num('batch', 256), reps: p.num('reps', 200) })) });
      return;
    case 'finetune': {
      await initTf(backend, tfOpts);
      const t = task ?? defaultTaskId();
      const algo = (p.opts.get('algo') ?? 'dppo') as Algo;
      const config = resolveFinetuneConfig(taskFamily(t).presets.laptop(t, algo, 0), { nTrainItr: p.num('iters', 2), ...p.sets });
      const perItr: Record<string, number>[] = [];
      const result = await finetunePpo({
        config,
        checkpoint: loadCheckpointRef(p.str('ckpt', defaultCheckpointFor(t, algo))),
        sink: (ev) => {
          if (ev.type === 'iteration') {
            const m = ev.metrics;
            const row = { itr: ev.itr, wall_s: ev.wallS, rollout_s: m['time/rollout_s'] ?? 0, values_s: m['time/values_s'] ?? 0, update_s: m['time/update_s'] ?? 0 };
            perItr.push(row);
            out.line(row);
          }
        },
      });
      result.dispose();
      const mean = (k: string) => perItr.reduce((a, r) => a + r[k], 0) / Math.max(1, perItr.length);
      out.summary({
        bench: 'finetune', task: t, algo, backend, iterations: perItr.length, n_envs: config.nEnvs, n_steps: config.nSteps,
        batch_size: config.batchSize, update_epochs: config.updateEpochs,
        s_per_itr: Number(result.summary.wall_s) / Math.max(1, perItr.length),
        rollout_s: mean('rollout_s'), values_s: mean('values_s'), update_s: mean('update_s'),
        env_steps_per_s: Number(result.summary.env_steps) / Number(result.summary.wall_s),
      });
      return;
    }
    default:
      throw new UserError(`bench needs one of sim, sample, update, finetune, workload (got "${what ?? ''}")`);
  }
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'webgpu', 'webgl'];

/** `dppo bench workload --backend wasm,cpu`: one row per backend, the same seeded work on each (JSON). */
async function benchWorkload(p: Parsed, out: Output): Promise<void> {
  const task = p.opts.get('task') ?? defaultTaskId();
  const algo = (p.opts.get('algo') ?? 'dppo') as Algo;
  if (!['dppo', 'gaussian', 'gmm'].includes(algo)) throw new UserError(`--algo must be dppo, gaussian or gmm, not "${algo}"`);
  const backends = (p.opts.get('backend') ?? 'wasm').split(',').map((b) => b.trim()) as BackendName[];
  for (const b of backends) if (!BACKENDS.includes(b)) throw new UserError(`--backend: unknown backend "${b}" (wasm, cpu, webgpu)`);
  const d = defaultWorkloadSpec(task, algo);
  const spec: WorkloadSpec = {
    ...d,
    nEnvs: p.num('envs', d.nEnvs),
    batchSize: p.num('batch', d.batchSize),
    finetuneIters: p.num('iters', d.finetuneIters),
    reps: p.num('reps', d.reps),
  };
  const checkpoint = loadCheckpointRef(p.str('ckpt', defaultCheckpointFor(task, algo)));
  let dataset;
  if (spec.pretrainBatches > 0) {
    const ds = loadDppoNpz(readAsset(`builtin:${task}/train`), readAsset(`builtin:${task}/normalization`));
    if (!ds.normalization) throw new UserError(`builtin:${task}/normalization holds no normalisation statistics.`);
    dataset = { states: ds.obs, actions: ds.act, trajLengths: ds.episodeLengths, normalization: ds.normalization };
  }
  const rows: Record<string, unknown>[] = [];
  for (const b of backends) {
    await initTf(b);
    const r = await runWorkload(spec, { checkpoint, dataset });
    const row = {
      backend: b,
      chain_ms: r.chain.ms, chain_samples_per_s: r.chain.samplesPerS,
      update_ms: r.update.ms, update_samples_per_s: r.update.samplesPerS,
      itr_ms: r.finetune?.msPerItr ?? null, itr_env_steps_per_s: r.finetune?.envStepsPerS ?? null,
      bc_ms_per_batch: r.pretrain ? r.pretrain.ms / r.pretrain.batches : null, bc_loss: r.pretrain?.loss ?? null,
      update_pg_loss: r.update.pgLoss, update_v_loss: r.update.vLoss, leaked_tensors: r.leakedTensors,
    };
    rows.push(row);
    out.line(row);
  }
  out.summary({ bench: 'workload', task, algo, spec, rows });
}
