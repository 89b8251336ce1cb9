/**
 * Datasets: drop a dataset file (D4RL / robomimic / Minari HDF5, LeRobot v3 parquet, DPPO train.npz with its
 * normalization.npz) or pick a bundled one; it is read in the data worker (progress, ETA, cancel), shown in
 * the inspector and kept in browser storage until deleted. A bad file shows what is wrong; the page stays usable.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import {
  bundledDatasetRefs,
  cancelLoad,
  deleteStored,
  dismissDatasetError,
  importFiles,
  initDatasets,
  openBundled,
  openStored,
  useDatasets,
} from '../../state/datasets';
import { Button } from '../../ui/Button';
import { EmptyState } from '../../ui/EmptyState';
import { Panel } from '../../ui/Panel';
import { DatasetInspector } from './DatasetInspector';
import './datasets.css';

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function DropZone() {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) void importFiles(files);
  };
  return (
    <div
      className={`ds-drop${over ? ' over' : ''}`}
      data-testid="dataset-drop"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        <strong>Drop a dataset here</strong>
      </p>
      <p className="hint">D4RL, robomimic or Minari HDF5 · LeRobot v3 parquet · DPPO train.npz (drop its normalization.npz with it)</p>
      <Button small onClick={() => input.current?.click()}>
        Choose files…
      </Button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="dataset-file-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) void importFiles(files);
        }}
      />
    </div>
  );
}

function Sources() {
  const stored = useDatasets((s) => s.stored);
  const storeAvailable = useDatasets((s) => s.storeAvailable);
  const source = useDatasets((s) => s.source);
  const busy = useDatasets((s) => s.loading !== null);
  return (
    <>
      <Panel title="Bundled">
        <ul className="ds-list" data-testid="dataset-bundled">
          {bundledDatasetRefs().map((ref) => (
            <li key={ref} className={source?.kind === 'bundled' && source.ref === ref ? 'active' : undefined}>
              <button type="button" className="ds-link" disabled={busy} onClick={() => void openBundled(ref)}>
                {ref}
              </button>
            </li>
          ))}
        </ul>
      </Panel>
      <Panel title={`Your datasets (${stored.length})`} testId="dataset-stored">
        {storeAvailable === false ? <p className="hint">Browser storage is not available: dropped datasets last until you leave the page.</p> : null}
        {stored.length === 0 ? <p className="hint">Dropped datasets are kept in this browser until you delete them.</p> : null}
        <ul className="ds-list" data-testid="dataset-stored-list" data-loaded={storeAvailable !== null}>
          {stored.map((m) => (
            <li key={m.id} className={source?.kind === 'stored' && source.id === m.id ? 'active' : undefined} data-testid="dataset-stored-item">
              <button type="button" className="ds-link" disabled={busy} onClick={() => void openStored(m.id)} title={m.files.map((f) => f.name).join(', ')}>
                {m.name}
              </button>
              <span className="hint">
                {m.format} · {m.episodes} ep · {fmtBytes(m.size)}
              </span>
              <Button small variant="ghost" aria-label={`delete ${m.name}`} onClick={() => void deleteStored(m.id)}>
                ✕
              </Button>
            </li>
          ))}
        </ul>
      </Panel>
    </>
  );
}

function Loading() {
  const loading = useDatasets((s) => s.loading);
  if (!loading) return null;
  const p = loading.progress;
  const frac = p && p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  return (
    <Panel title={`Reading ${loading.name}`} testId="dataset-loading">
      <div className="ds-progress" role="progressbar" aria-label="reading progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)}>
        <div className="ds-progress-fill" style={{ width: `${frac * 100}%` }} />
      </div>
      <p className="hint">
        {p ? `${p.phase}: ${p.done} / ${p.total}${p.etaS !== null ? ` · ~${Math.ceil(p.etaS)} s left` : ''}` : 'starting…'}
      </p>
      <Button small onClick={cancelLoad} data-testid="dataset-cancel">
        Cancel
      </Button>
    </Panel>
  );
}

export function DatasetsPage() {
  const view = useDatasets((s) => s.view);
  const error = useDatasets((s) => s.error);
  const saveNote = useDatasets((s) => s.saveNote);
  const loading = useDatasets((s) => s.loading);
  useEffect(() => {
    void initDatasets();
  }, []);
  return (
    <div className="page" data-testid="page-datasets">
      <div>
        <h1 className="page-title">Datasets</h1>
        <p className="page-lede">
          Browse demonstration datasets episode by episode: lengths, per-dimension ranges, signals over time and a path preview, then pre-train a policy on
          one.
        </p>
      </div>
      <div className="ds-layout">
        <aside className="ds-side">
          <DropZone />
          <Sources />
        </aside>
        <div className="ds-main">
          {error ? (
            <div className="ds-error" role="alert" data-testid="dataset-error">
              <p>{error}</p>
              <Button small variant="ghost" onClick={dismissDatasetError}>
                Dismiss
              </Button>
            </div>
          ) : null}
          {saveNote ? (
            <p className="hint" data-testid="dataset-save-note">
              {saveNote}
            </p>
          ) : null}
          <Loading />
          {view ? (
            <DatasetInspector view={view} />
          ) : loading ? null : (
            <EmptyState title="No dataset open">
              <p>Drop a file on the left, or open a bundled dataset.</p>
            </EmptyState>
          )}
        </div>
      </div>
    </div>
  );
}
