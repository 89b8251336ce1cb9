/**
 * D3IL Avoid mode bookkeeping (spec/ecosystem.md §2c; spec/dppo-reference.md §6.3, §7.3), as the
 * reference env's check_mode does it: 9 bits, recorded once per row from the actual tip position.
 *   bit 0/1  row 1 (y −0.10, within ±0.03): left / right of the pillar at x 0.5
 *   bit 2–4  row 2 (y 0.08, within ±0.03): x < 0.425 / 0.425–0.575 / > 0.575
 *   bit 5–8  row 3 (first step with y ≥ 0.26): x < 0.35 / 0.35–0.5 / 0.5–0.65 / ≥ 0.65
 * A row whose band is entered exactly at a pillar centre records no bit for rows 1–2 (as the reference).
 */
import { MODE_BAND, PILLARS, ROW_Y } from './layout';

const ROW1_X = PILLARS[0].x;
const ROW2_X = [PILLARS[1].x, PILLARS[2].x] as const;
const ROW3_X = [PILLARS[3].x, PILLARS[4].x, PILLARS[5].x] as const;

export const N_MODE_BITS = 9;

export class AvoidModeTracker {
  /** Bit mask of the modes passed so far (bit k = mode k). */
  bits = 0;
  private rowPassed = [false, false, false];

  reset(): void {
    this.bits = 0;
    this.rowPassed = [false, false, false];
  }

  /** Records the gap of any row whose crossing condition the tip (x, y) meets for the first time. */
  update(x: number, y: number): void {
    if (!this.rowPassed[0] && Math.abs(y - ROW_Y[0]) <= MODE_BAND) {
      if (x < ROW1_X) this.bits |= 1 << 0;
      else if (x > ROW1_X) this.bits |= 1 << 1;
      this.rowPassed[0] = true;
    }
    if (!this.rowPassed[1] && Math.abs(y - ROW_Y[1]) <= MODE_BAND) {
      if (x < ROW2_X[0]) this.bits |= 1 << 2;
      else if (x > ROW2_X[0] && x < ROW2_X[1]) this.bits |= 1 << 3;
      else if (x > ROW2_X[1]) this.bits |= 1 << 4;
      this.rowPassed[1] = true;
    }
    if (!this.rowPassed[2] && y >= ROW_Y[2]) {
      this.bits |= 1 << row3Gap(x);
      this.rowPassed[2] = true;
    }
  }

  /** Row-3 gap passed (5..8), or −1 before the tip has crossed y 0.26. */
  get row3Mode(): number {
    for (let k = 5; k <= 8; k++) if (this.bits & (1 << k)) return k;
    return -1;
  }
}

/** Row-3 gap index 5..8 for a crossing at x. */
export function row3Gap(x: number): number {
  if (x < ROW3_X[0]) return 5;
  if (x < ROW3_X[1]) return 6;
  if (x < ROW3_X[2]) return 7;
  return 8;
}

/** Mode indices set in a bit mask, ascending. */
export function modeList(bits: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < N_MODE_BITS; k++) if (bits & (1 << k)) out.push(k);
  return out;
}

/**
 * DPPO's filter_d3il_avoid_data rule (spec §6.3): keep a trajectory that passed any of `desired`, all of
 * `required`, and none of `avoid`.
 */
export function passesModeFilter(bits: number, desired: readonly number[], required: readonly number[], avoid: readonly number[] = []): boolean {
  const has = (k: number): boolean => (bits & (1 << k)) !== 0;
  return desired.some(has) && required.every(has) && !avoid.some(has);
}

/** The three pre-training subsets (spec §6.3): M1 = d56_r12, M2 = d57_r12, M3 = d58_r12. */
export const AVOID_SUBSETS = {
  'avoid-m1': { desired: [5, 6], required: [1, 2] },
  'avoid-m2': { desired: [5, 7], required: [1, 2] },
  'avoid-m3': { desired: [5, 8], required: [1, 2] },
} as const;
