/** Datasets: bundled and imported demonstration datasets. Nothing can be imported in this version yet. */
import { EmptyState } from '../../ui/EmptyState';

export function DatasetsPage() {
  return (
    <div className="page" data-testid="page-datasets">
      <div>
        <h1 className="page-title">Datasets</h1>
        <p className="page-lede">
          Browse demonstration datasets episode by episode: lengths, per-dimension ranges, signals over time and a
          path preview, then pre-train a policy on one.
        </p>
      </div>
      <EmptyState title="No datasets loaded">
        <p>Dataset import (DPPO npz, D4RL, robomimic) is not available in this version yet.</p>
      </EmptyState>
    </div>
  );
}
