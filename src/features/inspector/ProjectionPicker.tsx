/**
 * What the action clouds plot, for actions with more than two dimensions: any two action dimensions (x and
 * y, named as the task names them), or the top two principal components of the inspected state's clouds
 * (all steps of both policies pooled, so every step shares the axes), with the variance they explain.
 * A 2-D action has only one pair, so the picker is not shown.
 */
import { setProjectionAxis, setProjectionKind } from '../../state/inspector';
import type { CloudView } from './cloudModel';

function pct(f: number): string {
  return `${(100 * f).toFixed(f >= 0.995 || f < 0.1 ? 1 : 0)} %`;
}

/** "0.71·thigh − 0.70·leg …": the loadings of a component, largest first (entries under 0.05 left out). */
function loadings(c: Float64Array, names: readonly string[]): string {
  const parts = [...c]
    .map((w, d) => ({ w, d }))
    .filter(({ w }) => Math.abs(w) >= 0.05)
    .sort((a, b) => Math.abs(b.w) - Math.abs(a.w))
    .map(({ w, d }, i) => `${w < 0 ? '− ' : i ? '+ ' : ''}${Math.abs(w).toFixed(2)}·${names[d]}`);
  return parts.join(' ') || '0';
}

export function ProjectionPicker({ view, compact = false }: { view: CloudView; compact?: boolean }) {
  const { Da, projection: p, pca, actionNames } = view;
  if (Da <= 2) return null;
  const dimSelect = (axis: 'x' | 'y') => (
    <label className="ic-inline">
      {axis}
      <select
        value={axis === 'x' ? p.x : p.y}
        onChange={(e) => setProjectionAxis(axis, Number(e.target.value), Da)}
        aria-label={`action dimension on ${axis === 'x' ? 'the horizontal' : 'the vertical'} axis`}
        data-testid={`proj-${axis}`}
      >
        {actionNames.map((name, d) => (
          <option key={d} value={d} title={`action dimension ${d}`}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className={compact ? 'ic-proj compact' : 'ic-proj'} data-testid="proj-picker" data-proj={view.projKey} data-dims={Da}>
      <label className="ic-inline" title={`The action has ${Da} dimensions: plot two of them, or the two directions along which the samples vary most.`}>
        plot
        <select value={p.kind} onChange={(e) => setProjectionKind(e.target.value === 'pca' ? 'pca' : 'dims', Da)} aria-label="projection" data-testid="proj-kind">
          <option value="dims">two action dims</option>
          <option value="pca">PCA</option>
        </select>
      </label>
      {p.kind === 'dims' ? (
        <>
          {dimSelect('x')}
          {dimSelect('y')}
        </>
      ) : pca ? (
        <span
          className="ic-proj-var mono"
          data-testid="proj-explained"
          data-explained={(pca.explained[0] + pca.explained[1]).toFixed(4)}
          title={`PC1 = ${loadings(pca.components[0], actionNames)}\nPC2 = ${loadings(pca.components[1], actionNames)}\nfrom ${pca.count} samples: every denoising step of both policies at this state`}
        >
          PC1 {pct(pca.explained[0])} · PC2 {pct(pca.explained[1])}
          {compact ? '' : ` of the variance (${pct(pca.explained[0] + pca.explained[1])} together)`}
        </span>
      ) : (
        <span className="hint">PCA once samples are in</span>
      )}
    </div>
  );
}
