/**
 * One small histogram per action dimension at the shown denoising step: the pre-trained policy's samples
 * as grey bars, the current policy's as an outline in the run's colour. Each dimension's bins are shared by
 * every step (and both policies), so scrubbing from k = K to k = 0 shows the distribution narrowing from
 * the noise to the final action (paper Fig. 11, one dimension at a time).
 */
import type { CloudView, DimHistogram } from './cloudModel';
import { stepTitle } from './cloudModel';
import { niceTicks } from './cloudMath';

const W = 150;
const H = 48;
const PAD = 2;

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return v.toFixed(0);
  return `${+v.toPrecision(2)}`;
}

/** SVG path of a histogram outline (steps along the bin tops). */
function outline(counts: Uint32Array, max: number): string {
  const bw = (W - 2 * PAD) / counts.length;
  const y = (c: number) => H - (c / max) * (H - 4);
  let d = `M ${PAD} ${H}`;
  counts.forEach((c, i) => {
    d += ` L ${PAD + i * bw} ${y(c)} L ${PAD + (i + 1) * bw} ${y(c)}`;
  });
  return `${d} L ${W - PAD} ${H}`;
}

function DimHist({ h, step, view }: { h: DimHistogram; step: number; view: CloudView }) {
  const pre = h.counts.pretrained?.[step] ?? null;
  const cur = h.counts.current?.[step] ?? null;
  const max = Math.max(1, ...(pre ?? []), ...(cur ?? []));
  const n = h.bins.count;
  const bw = (W - 2 * PAD) / n;
  const px = (v: number) => PAD + ((v - h.bins.lo) / (h.bins.hi - h.bins.lo)) * (W - 2 * PAD);
  const ticks = niceTicks(h.bins.lo, h.bins.hi, 3);
  const [preRow, curRow] = view.rows;
  const std = (k: 'pretrained' | 'current') => h.std[k]?.[step];
  return (
    <figure
      className="ic-hist"
      data-testid="dim-hist"
      data-dim={h.dim}
      data-name={h.name}
      data-std-pretrained={std('pretrained')?.toFixed(5) ?? ''}
      data-std-current={std('current')?.toFixed(5) ?? ''}
    >
      <figcaption title={`action dimension ${h.dim}`}>
        {h.name}
        <span className="hint mono"> σ {std('pretrained') !== undefined ? fmt(std('pretrained')! * view.unitScale) : '–'}</span>
      </figcaption>
      <svg width={W} height={H + 12} viewBox={`0 0 ${W} ${H + 12}`} role="img" aria-label={`histogram of ${h.name} at this denoising step`}>
        <rect x={0.5} y={0.5} width={W - 1} height={H - 0.5} className="ic-hist-bg" />
        {pre
          ? [...pre].map((c, i) => {
              const bh = (c / max) * (H - 4);
              return c ? <rect key={i} x={PAD + i * bw + 0.25} y={H - bh} width={Math.max(0.5, bw - 0.5)} height={bh} fill={preRow.color} opacity={0.75} /> : null;
            })
          : null}
        {cur ? <path d={outline(cur, max)} fill="none" stroke={curRow.color} strokeWidth={1.2} /> : null}
        {ticks.map((t) => (
          <g key={t}>
            <line x1={px(t)} x2={px(t)} y1={H} y2={H + 2} className="ic-hist-tick" />
            <text x={Math.min(Math.max(px(t), 8), W - 8)} y={H + 10} textAnchor="middle" className="ic-hist-label">
              {fmt(t * view.unitScale)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function DimHistograms({ view, hists, step }: { view: CloudView; hists: DimHistogram[]; step: number }) {
  if (!view.S || hists.length === 0) return <p className="hint">No samples yet.</p>;
  const s = Math.min(step, view.S - 1);
  const K = view.stepLabels[0] ?? 0;
  return (
    <div className="ic-hists-wrap">
      <div className="ic-hists" data-testid="dim-hists" data-step={view.stepLabels[s]} data-count={hists.length}>
        {hists.map((h) => (
          <DimHist key={h.dim} h={h} step={s} view={view} />
        ))}
      </div>
      <div className="hint ic-hist-foot">
        {stepTitle(view.stepLabels[s], K)}: each action dimension ({view.unit}) on bins shared by every step; grey bars pre-trained, outline current;
        heights scaled to each panel's tallest bar; σ = the pre-trained samples' spread.
      </div>
    </div>
  );
}
