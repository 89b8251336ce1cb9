/**
 * Policies: the bundled pre-trained checkpoints (docs/checkpoints.md) with what they are and a one-click
 * "fine-tune" into the Experiments page. Evaluation, export (safetensors / ONNX / TF.js) and import of
 * checkpoints arrive with the policies issue; the empty state below says so.
 */
import { bundledCheckpoints } from '../../state/taskCatalog';
import { routeHref } from '../../state/app';
import { EmptyState } from '../../ui/EmptyState';
import { Panel } from '../../ui/Panel';

const KIND: Record<string, { algo: 'dppo' | 'gaussian' | 'gmm'; label: string; arch: string }> = {
  'diffusion-mlp': { algo: 'dppo', label: 'DPPO', arch: 'DiffusionMLP, K = 20 denoising steps, time dim 16, [512]×3 ReLU residual' },
  'gaussian-mlp': { algo: 'gaussian', label: 'Gaussian-PPO', arch: 'tanh-mean Gaussian, [256]×3 Mish residual, learnable std ∈ [0.01, 0.2]' },
  'gmm-mlp': { algo: 'gmm', label: 'GMM-PPO', arch: '5-mode GMM, [256]×3 Mish residual, learnable std per mode' },
};

export function PoliciesPage() {
  return (
    <div className="page" data-testid="page-policies">
      <div>
        <h1 className="page-title">Policies</h1>
        <p className="page-lede">
          Every checkpoint with its task, algorithm, config and provenance; evaluate it, export it (safetensors,
          ONNX, TF.js) or import one.
        </p>
      </div>
      <Panel title="Bundled pre-trained checkpoints" testId="bundled-checkpoints">
        <table className="probe-table">
          <thead>
            <tr>
              <th>name</th>
              <th>task</th>
              <th>fine-tuned by</th>
              <th>architecture</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {bundledCheckpoints().map((c) => {
              const k = KIND[c.name];
              return (
                <tr key={c.id}>
                  <td>
                    <code>{c.id}</code>
                  </td>
                  <td>{c.task}</td>
                  <td>{k?.label ?? c.name}</td>
                  <td>{k?.arch ?? ''}</td>
                  <td>
                    {k ? <a href={routeHref('experiments', `task=${c.task}&algo=${k.algo}`)}>fine-tune →</a> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="page-lede">
          Behaviour-cloned for 60 epochs on the bundled scripted-expert demonstrations (EMA weights); the exact
          commands are in docs/checkpoints.md. Safetensors with DPPO&apos;s key names in PyTorch layout.
        </p>
      </Panel>
      <EmptyState title="Evaluation, export and import are not here yet">
        <p>
          For now: <code>npx dppo eval --ckpt {bundledCheckpoints()[0]?.id ?? 'FILE'}</code> evaluates a checkpoint (on the task it was trained for) and{' '}
          <code>npx dppo inspect FILE</code> shows what it holds. Checkpoints pre-trained in this tab are listed in the
          Experiments page&apos;s checkpoint selector.
        </p>
      </EmptyState>
    </div>
  );
}
