/** Policies: checkpoints with provenance, evaluation and export. Empty in this version. */
import { EmptyState } from '../../ui/EmptyState';

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
      <EmptyState title="No checkpoints yet">
        <p>Checkpoints appear here once a policy is pre-trained or fine-tuned, or imported.</p>
      </EmptyState>
    </div>
  );
}
