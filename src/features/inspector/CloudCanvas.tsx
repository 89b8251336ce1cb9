/**
 * One action cloud on a canvas: n samples of two action dimensions, optional tick labels, zero lines and
 * the mean path of the cloud over denoising steps. Drawn imperatively (a few hundred points per panel,
 * dozens of panels), redrawn only when its inputs change.
 */
import { memo, useEffect, useRef } from 'react';
import { useApp } from '../../state/app';
import { niceTicks, type Range2 } from './cloudMath';

export interface CloudCanvasProps {
  /** Flat [n, Da] raw actions, or null while loading. */
  points: Float32Array | null;
  Da: number;
  dims: [number, number];
  range: Range2;
  color: string;
  /** Drawing area in CSS px (ticks are drawn in the margins around it). */
  size: number;
  /** Values are multiplied by this for the tick labels (e.g. 1000 for m → mm). */
  unitScale: number;
  xTicks?: boolean;
  yTicks?: boolean;
  /** Keep the left tick margin even without y ticks (aligns a column with one that has them). */
  reserveLeft?: boolean;
  /** Means of the earlier steps (and this one), drawn as a line ending in a ring. */
  meanPath?: [number, number][];
  pointSize?: number;
  label?: string;
}

export const CLOUD_MARGIN = { left: 28, bottom: 14, top: 2, right: 3 };

function css(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return v.toFixed(0);
  return `${+v.toPrecision(2)}`;
}

function CloudCanvasImpl({ points, Da, dims, range, color, size, unitScale, xTicks, yTicks, reserveLeft, meanPath, pointSize = 1.6, label }: CloudCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useApp((s) => s.theme);
  const left = yTicks || reserveLeft ? CLOUD_MARGIN.left : 0;
  const top = yTicks ? 6 : CLOUD_MARGIN.top;
  const right = xTicks ? 10 : CLOUD_MARGIN.right;
  const W = left + size + right;
  const H = top + size + (xTicks ? CLOUD_MARGIN.bottom : 0);

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const L = left;
    const T = top;
    const px = (x: number) => L + ((x - range.x0) / (range.x1 - range.x0)) * size;
    const py = (y: number) => T + (1 - (y - range.y0) / (range.y1 - range.y0)) * size;
    const border = css(canvas, '--border', '#2a2f37');
    const faint = css(canvas, '--text-faint', '#5f6773');
    const dim = css(canvas, '--text-dim', '#8f98a5');
    ctx.fillStyle = css(canvas, '--bg-inset', '#0c0e10');
    ctx.fillRect(L, T, size, size);
    ctx.strokeStyle = border;
    ctx.lineWidth = 1;
    ctx.strokeRect(L + 0.5, T + 0.5, size - 1, size - 1);
    ctx.setLineDash([2, 3]);
    ctx.strokeStyle = faint;
    if (range.x0 < 0 && range.x1 > 0) {
      ctx.beginPath();
      ctx.moveTo(Math.round(px(0)) + 0.5, T);
      ctx.lineTo(Math.round(px(0)) + 0.5, T + size);
      ctx.stroke();
    }
    if (range.y0 < 0 && range.y1 > 0) {
      ctx.beginPath();
      ctx.moveTo(L, Math.round(py(0)) + 0.5);
      ctx.lineTo(L + size, Math.round(py(0)) + 0.5);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.font = '9px ui-monospace, Menlo, Consolas, monospace';
    ctx.fillStyle = dim;
    if (xTicks) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (const t of niceTicks(range.x0, range.x1, size < 70 ? 2 : 3)) ctx.fillText(fmt(t * unitScale), px(t), T + size + 2);
    }
    if (yTicks) {
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const t of niceTicks(range.y0, range.y1, size < 70 ? 2 : 3)) ctx.fillText(fmt(t * unitScale), L - 3, Math.min(Math.max(py(t), T + 4), T + size - 4));
    }
    if (points) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(L, T, size, size);
      ctx.clip();
      ctx.fillStyle = color;
      ctx.globalAlpha = 0.55;
      const r = pointSize;
      for (let i = 0; i + Da <= points.length; i += Da) {
        ctx.fillRect(px(points[i + dims[0]]) - r / 2, py(points[i + dims[1]]) - r / 2, r, r);
      }
      ctx.globalAlpha = 1;
      if (meanPath && meanPath.length) {
        ctx.strokeStyle = css(canvas, '--text', '#d9dde3');
        ctx.lineWidth = 1.2;
        ctx.beginPath();
        meanPath.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
        ctx.stroke();
        const [mx, my] = meanPath[meanPath.length - 1];
        ctx.beginPath();
        ctx.arc(px(mx), py(my), 3.5, 0, 2 * Math.PI);
        ctx.stroke();
      }
      ctx.restore();
    }
    if (label) {
      ctx.fillStyle = dim;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(label, L + 3, T + 3);
    }
  }, [points, Da, dims, range, color, size, unitScale, xTicks, yTicks, meanPath, pointSize, label, W, H, left, top, theme]);

  return <canvas ref={ref} className="ic-canvas" style={{ width: W, height: H }} data-points={points ? points.length / Da : 0} />;
}

export const CloudCanvas = memo(CloudCanvasImpl);
