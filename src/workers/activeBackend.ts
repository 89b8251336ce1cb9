/**
 * Which tfjs backend the train worker runs on, and whether it is a software adapter: set by the backend
 * manager (backend.ts) when it activates one, read by the run handler for the GPU-sized preset values
 * (config/gpuOverrides.ts).
 */
import type { GpuBackendInfo } from '../config/gpuOverrides';

let current: GpuBackendInfo | null = null;

export function setActiveBackendInfo(info: GpuBackendInfo | null): void {
  current = info;
}

export function activeBackendInfo(): GpuBackendInfo | null {
  return current;
}
