/**
 * Node only (tests, e2e, benchmarks): starts a real `dppo-bridge` process from the project's .venv on a
 * free port (`--port 0`; the URL is read from what it prints) and stops it again. Never imported by the app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BRIDGE_BIN = fileURLToPath(new URL('../../.venv/bin/dppo-bridge', import.meta.url));

export interface BridgeProcess {
  url: string;
  token: string;
  proc: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it exited. Idempotent. */
  stop(): Promise<void>;
}

export function bridgeAvailable(): boolean {
  return existsSync(BRIDGE_BIN);
}

export async function startBridge(args: string[], token = `t-${Math.random().toString(36).slice(2)}`, timeoutMs = 60_000): Promise<BridgeProcess> {
  const proc = spawn(BRIDGE_BIN, [...args, '--port', '0', '--token', token], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`dppo-bridge printed no URL within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /URL:\s+(wss?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dppo-bridge exited (${code}) before printing its URL:\n${out}`));
    });
  });
  return { url, token, proc, output: () => out, stop };
}
