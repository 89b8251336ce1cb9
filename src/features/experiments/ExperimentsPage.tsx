/**
 * Experiments (home). This first version shows the live 3-D scene and the places where the experiment
 * form, learning curves and run list go; the training integration fills them in.
 */
import { useState } from 'react';
import { getClients } from '../../state/clients';
import { EmptyState } from '../../ui/EmptyState';
import { Panel } from '../../ui/Panel';
import { Viewer } from '../viewer/Viewer';
import { ViewerControls } from '../viewer/ViewerControls';
import type { ViewerScene } from '../viewer/viewerScene';

export function ExperimentsPage() {
  const { sim } = getClients();
  const [view, setView] = useState<ViewerScene | null>(null);
  return (
    <div className="experiments-grid" data-testid="page-experiments">
      <div className="stack">
        <Panel title="Experiment">
          <dl className="kv">
            <dt>task</dt>
            <dd>Avoid (D3IL), mode M2</dd>
            <dt>algorithm</dt>
            <dd>DPPO</dd>
            <dt>policy</dt>
            <dd>diffusion MLP, pre-trained</dd>
          </dl>
        </Panel>
        <EmptyState title="Fine-tuning is not wired in yet">
          <p>The hyper-parameter form and the Run button appear here once the training worker runs DPPO.</p>
        </EmptyState>
      </div>
      <Panel title="Scene" className="viewer-panel" flush actions={<ViewerControls sim={sim} view={view} />} testId="scene-panel">
        <Viewer sim={sim} onScene={setView} />
      </Panel>
      <div className="stack">
        <Panel title="Learning curves">
          <EmptyState title="No runs yet">
            <p>Success rate, return, clip fraction, KL, value loss and env steps/s are plotted here per iteration.</p>
          </EmptyState>
        </Panel>
        <Panel title="Runs">
          <EmptyState title="No runs yet">
            <p>Runs are listed here with their status; pin one to compare.</p>
          </EmptyState>
        </Panel>
      </div>
    </div>
  );
}
