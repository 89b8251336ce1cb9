/**
 * Policies: every checkpoint — bundled, pre-trained in this tab (saved to the browser's storage at once),
 * imported — with its config, normalisation and provenance; evaluate it with a progress bar, export it
 * (safetensors / ONNX / TF.js downloads) or import one by drop or file picker (safetensors, DPPO .pt,
 * ONNX or TF.js model.json + .bin exported here). All work happens in the train worker (state/policies.ts);
 * a bad file gives its specific message here and the page stays usable. Formats: docs/checkpoints.md.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { routeHref } from '../../state/app';
import {
  deleteStoredPolicy,
  describePolicy,
  evaluatePolicy,
  exportPolicy,
  importPolicyFiles,
  policyEntries,
  refreshStored,
  usePolicies,
  watchSessions,
  type PickedFile,
  type PolicyEntry,
} from '../../state/policies';
import { selectCheckpoint, usePretrain } from '../../state/pretrain';
import { Button } from '../../ui/Button';
import { Panel } from '../../ui/Panel';
import { RobustnessPanel } from './RobustnessPanel';
import './policies.css';

const ALGO: Record<string, 'dppo' | 'gaussian' | 'gmm'> = { 'diffusion-mlp': 'dppo', 'gaussian-mlp': 'gaussian', 'gmm-mlp': 'gmm' };
const ORIGIN: Record<string, string> = { bundled: 'bundled', session: 'trained (saving…)', trained: 'trained', imported: 'imported', run: 'from a run' };
/** Export formats and the actor kinds each covers (null = every kind); docs/checkpoints.md. */
const FORMATS = [
  { format: 'safetensors', label: 'safetensors', kinds: null },
  { format: 'onnx', label: 'ONNX', kinds: ['diffusion-mlp', 'diffusion-unet'] },
  { format: 'tfjs', label: 'TF.js', kinds: ['diffusion-mlp'] },
] as const;

function download(files: PickedFile[]): void {
  for (const f of files) {
    const url = URL.createObjectURL(new Blob([f.bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = f.name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

async function readFiles(list: FileList | File[]): Promise<PickedFile[]> {
  return Promise.all([...list].map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
}

function fmtBytes(n?: number): string {
  if (n === undefined) return '';
  return n > 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

function fmtNum(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v);
}

function ImportPanel() {
  const importing = usePolicies((s) => s.importing);
  const error = usePolicies((s) => s.importError);
  const last = usePolicies((s) => s.lastImport);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const take = async (files: FileList | File[]) => {
    if (files.length === 0) return;
    await importPolicyFiles(await readFiles(files));
    if (input.current) input.current.value = '';
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    void take(e.dataTransfer.files);
  };
  return (
    <Panel title="Import a checkpoint" testId="policy-import">
      <div
        className={`policy-drop${over ? ' over' : ''}`}
        data-testid="policy-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>
          Drop a <code>.safetensors</code>, a DPPO PyTorch <code>.pt</code> (<code>{'{epoch, model, ema}'}</code> or <code>{'{itr, model}'}</code>), an{' '}
          <code>.onnx</code> or a TF.js <code>model.json</code> with its <code>.bin</code> here, or{' '}
          <label className="policy-pick">
            pick files
            <input ref={input} type="file" multiple data-testid="policy-import-input" accept=".safetensors,.pt,.pth,.onnx,.json,.bin" onChange={(e) => e.target.files && void take(e.target.files)} disabled={importing} />
          </label>
          . .pt files are read by a restricted reader that accepts only tensors and containers and never runs code.
        </p>
        {importing ? <p className="policy-busy" data-testid="policy-importing">Reading…</p> : null}
      </div>
      {error ? (
        <p className="policy-error" role="alert" data-testid="policy-import-error">
          {error}
        </p>
      ) : null}
      {last ? (
        <div className="policy-imported" data-testid="policy-import-ok">
          Imported <code>{last.file}</code> ({last.format}
          {last.sourceKey ? `, weights from "${last.sourceKey}"` : ''}) as <code>{last.ref}</code>.
          {last.notes.length ? (
            <ul>
              {last.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Panel>
  );
}

function Details({ entry }: { entry: PolicyEntry }) {
  const info = usePolicies((s) => s.info[entry.ref]);
  const err = usePolicies((s) => s.infoError[entry.ref]);
  useEffect(() => {
    void describePolicy(entry.ref);
  }, [entry.ref]);
  if (err) return <p className="policy-error">{err}</p>;
  if (!info) return <p className="policy-busy">Reading the checkpoint…</p>;
  const n = info.normalization;
  const prov = { ...info.provenance, ...(entry.storedProvenance ?? {}) };
  return (
    <div className="policy-details" data-testid="policy-details">
      <div>
        <h3>Actor config</h3>
        <dl className="kv">
          {Object.entries(info.actorConfig).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{Array.isArray(v) ? `[${v.join(', ')}]` : fmtNum(v)}</dd>
            </div>
          ))}
          {info.ftDenoisingSteps !== undefined ? (
            <div>
              <dt>ftDenoisingSteps</dt>
              <dd>{info.ftDenoisingSteps}</dd>
            </div>
          ) : null}
          {info.criticConfig ? (
            <div>
              <dt>critic</dt>
              <dd>{`[${(info.criticConfig.mlpDims as number[]).join(', ')}] ${String(info.criticConfig.activation)}`}</dd>
            </div>
          ) : null}
        </dl>
      </div>
      <div>
        <h3>Normalisation</h3>
        <table className="probe-table">
          <thead>
            <tr>
              <th />
              <th>min</th>
              <th>max</th>
            </tr>
          </thead>
          <tbody>
            {n.obs_min.map((v, i) => (
              <tr key={`o${i}`}>
                <td>obs {i}</td>
                <td className="num">{fmtNum(v)}</td>
                <td className="num">{fmtNum(n.obs_max[i])}</td>
              </tr>
            ))}
            {n.action_min.map((v, i) => (
              <tr key={`a${i}`}>
                <td>action {i}</td>
                <td className="num">{fmtNum(v)}</td>
                <td className="num">{fmtNum(n.action_max[i])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>
        <h3>Provenance</h3>
        <pre className="policy-json">{JSON.stringify(prov, null, 1)}</pre>
      </div>
    </div>
  );
}

function EvalCell({ entry }: { entry: PolicyEntry }) {
  const ev = usePolicies((s) => s.evals[entry.ref]);
  const [episodes, setEpisodes] = useState(20);
  return (
    <div className="policy-eval">
      <input
        type="number"
        min={1}
        max={1000}
        value={episodes}
        aria-label="episodes"
        onChange={(e) => setEpisodes(Math.max(1, Math.min(1000, Math.round(Number(e.target.value)) || 1)))}
      />
      <Button small onClick={() => void evaluatePolicy(entry.ref, episodes, 0)} disabled={ev?.running} data-testid="policy-eval">
        Evaluate
      </Button>
      {ev?.running ? <progress max={1} value={ev.fraction} data-testid="policy-eval-progress" /> : null}
      {ev?.summary ? (
        <span className="policy-eval-result" data-testid="policy-eval-result">
          success {(100 * Number(ev.summary.success_rate)).toFixed(0)}% · return {fmtNum(ev.summary.avg_return)} · {fmtNum(ev.summary.episodes)} episodes on {String(ev.summary.task)}
        </span>
      ) : null}
      {ev?.error ? (
        <span className="policy-error" role="alert" data-testid="policy-eval-error">
          {ev.error}
        </span>
      ) : null}
    </div>
  );
}

function Row({ entry }: { entry: PolicyEntry }) {
  const [open, setOpen] = useState(false);
  const exporting = usePolicies((s) => s.exporting);
  const exportError = usePolicies((s) => (s.exportError?.ref === entry.ref ? s.exportError.message : null));
  const info = usePolicies((s) => s.info[entry.ref]);
  const id = entry.ref.startsWith('stored:') ? entry.ref.slice('stored:'.length) : null;
  const algo = entry.kind ? ALGO[entry.kind] : undefined;
  const task = entry.task ?? info?.task ?? undefined;
  return (
    <>
      <tr data-testid="policy-row" data-ref={entry.ref} data-origin={entry.origin}>
        <td>
          <button type="button" className="policy-name" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? '▾' : '▸'} {entry.label}
          </button>
          <div className="policy-ref">
            <code>{entry.ref}</code>
          </div>
        </td>
        <td>{ORIGIN[entry.origin] ?? entry.origin}</td>
        <td>{entry.task ?? info?.task ?? '—'}</td>
        <td>{entry.kind ?? info?.kind ?? ''}</td>
        <td className="num">{info ? info.params.toLocaleString() : fmtBytes(entry.byteLength)}</td>
        <td>
          <div className="policy-actions">
            {FORMATS.map((f) => {
              const kind = entry.kind ?? info?.kind;
              const covered = f.kinds === null || kind === undefined || (f.kinds as readonly string[]).includes(kind);
              return (
              <Button
                key={f.format}
                small
                data-testid={`policy-export-${f.format}`}
                disabled={exporting !== null || !covered}
                title={covered ? `Download as ${f.label}` : `${f.label} export covers ${f.kinds?.join(' and ')} ε-networks; use safetensors for a ${kind}`}
                onClick={async () => {
                  const files = await exportPolicy(entry.ref, f.format);
                  if (files) download(files);
                }}
              >
                {exporting?.ref === entry.ref && exporting.format === f.format ? '…' : f.label}
              </Button>
              );
            })}
            {algo && task ? (
              <a href={routeHref('experiments', `task=${task}&algo=${algo}`)} onClick={() => entry.origin !== 'bundled' && selectCheckpoint(task, algo, entry.ref)} data-testid="policy-finetune">
                fine-tune →
              </a>
            ) : null}
            {id ? (
              <Button small variant="ghost" onClick={() => void deleteStoredPolicy(id)} data-testid="policy-delete">
                Delete
              </Button>
            ) : null}
          </div>
          {exportError ? (
            <p className="policy-error" role="alert" data-testid="policy-export-error">
              {exportError}
            </p>
          ) : null}
          <EvalCell entry={entry} />
        </td>
      </tr>
      {open ? (
        <tr className="policy-details-row">
          <td colSpan={6}>
            <Details entry={entry} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function PoliciesPage() {
  const stored = usePolicies((s) => s.stored);
  const persistent = usePolicies((s) => s.persistent);
  const storeError = usePolicies((s) => s.storeError);
  const sessions = usePretrain((s) => s.sessionCheckpoints);
  useEffect(() => {
    void refreshStored().then(() => watchSessions());
  }, []);
  const entries = policyEntries({ stored }, sessions);
  return (
    <div className="page" data-testid="page-policies">
      <div>
        <h1 className="page-title">Policies</h1>
        <p className="page-lede">
          Every checkpoint with its task, config, normalisation and provenance: evaluate it, export it (safetensors with DPPO&apos;s key names in
          PyTorch layout, ONNX or TF.js of the ε-network) or import one. Checkpoints pre-trained or imported here are kept in this browser until you
          delete them.
        </p>
      </div>
      <ImportPanel />
      <Panel title="Checkpoints" testId="policy-list">
        {!persistent ? <p className="policy-error">This browser gives no IndexedDB here (private mode?): checkpoints live only as long as the tab.</p> : null}
        {storeError ? (
          <p className="policy-error" role="alert">
            {storeError}
          </p>
        ) : null}
        <table className="probe-table policy-table">
          <thead>
            <tr>
              <th>checkpoint</th>
              <th>origin</th>
              <th>task</th>
              <th>policy</th>
              <th>params / size</th>
              <th>export · fine-tune · evaluate</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <Row key={e.ref} entry={e} />
            ))}
          </tbody>
        </table>
        <p className="page-lede">
          Bundled checkpoints are behaviour-cloned on the bundled demonstrations (commands in docs/checkpoints.md). Evaluation runs the policy in
          eval mode on its task in the training worker. ONNX and TF.js export the DiffusionMLP ε-network f(x, t, cond); safetensors exports everything.
        </p>
      </Panel>
      <RobustnessPanel />
    </div>
  );
}
