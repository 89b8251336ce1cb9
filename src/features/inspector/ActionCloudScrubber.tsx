/**
 * Scrubber over the denoising steps: the pre-trained and current clouds side by side at step k, with the
 * path of the cloud mean from x_K to the current step. Play animates k from K down to 0.
 */
import { useEffect } from 'react';
import { Button } from '../../ui/Button';
import { CloudCanvas } from './CloudCanvas';
import { PLOT_DIMS, stepTitle, type CloudView } from './cloudModel';

export interface ActionCloudScrubberProps {
  view: CloudView;
  step: number;
  onStep: (step: number) => void;
  playing: boolean;
  onPlaying: (playing: boolean) => void;
  size: number;
}

const FRAME_MS = 180;

export function ActionCloudScrubber({ view, step, onStep, playing, onPlaying, size }: ActionCloudScrubberProps) {
  const { S } = view;
  const K = view.stepLabels[0] ?? 0;
  const s = Math.min(step, Math.max(S - 1, 0));

  useEffect(() => {
    if (!playing || S < 2) return;
    const id = setInterval(() => {
      onStep(s >= S - 1 ? 0 : s + 1);
    }, s >= S - 1 ? FRAME_MS * 5 : FRAME_MS);
    return () => clearInterval(id);
  }, [playing, s, S, onStep]);

  return (
    <div className="ic-scrubber">
      <div className="ic-scrub-bar">
        <Button small onClick={() => onPlaying(!playing)} disabled={S < 2} aria-pressed={playing} data-testid="scrub-play">
          {playing ? 'Pause' : 'Play'}
        </Button>
        <label className="ic-scrub-label">
          denoising step
          <input
            type="range"
            min={0}
            max={Math.max(S - 1, 0)}
            step={1}
            value={s}
            onChange={(e) => {
              onPlaying(false);
              onStep(Number(e.target.value));
            }}
            disabled={S < 2}
            aria-label="denoising step"
            data-testid="scrub-range"
          />
        </label>
        <span className="mono ic-scrub-k">{S ? stepTitle(view.stepLabels[s], K) : '—'}</span>
        <span className="hint">
          {S > 1 ? `x_K = pure noise (k=${K}) → x_0 = action (k=0)` : S === 1 ? 'Gaussian/GMM: only the final action' : ''}
        </span>
      </div>
      <div className="ic-scrub-panels" data-testid="scrub-panels" data-proj={view.projKey}>
        {view.rows.map((row) => {
          const ok = !!row.plotted;
          return (
            <figure key={row.key} className="ic-scrub-fig">
              <figcaption>
                <span className="ic-swatch" style={{ background: row.color }} />
                {row.title}
              </figcaption>
              <CloudCanvas
                points={row.plotted ? row.plotted[s] : null}
                Da={2}
                dims={PLOT_DIMS}
                range={view.rangeAt(s)}
                color={row.color}
                size={size}
                unitScale={view.unitScale}
                xTicks
                yTicks
                pointSize={2.2}
                meanPath={ok ? view.means[row.key].slice(0, s + 1) : undefined}
              />
              <div className="ic-axis-x hint">
                {view.axisNames[0]} ({view.unit}) →  ·  {view.axisNames[1]} ({view.unit}) ↑
              </div>
            </figure>
          );
        })}
      </div>
    </div>
  );
}
