/**
 * Runs the real `dppo` bin in a child process without blocking this thread (tests): a synchronous spawn
 * of a run that takes tens of seconds would stall the test worker's event loop and its RPC with the runner.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './assets';

export interface BinResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runDppo(args: readonly string[]): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'dppo.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
