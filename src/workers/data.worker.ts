/**
 * The data worker: dataset files are parsed here, never on the page's thread (h5wasm mounts a dropped File
 * with WORKERFS, so a large HDF5 file is read by range). A thin shell around dataService.ts.
 */
import { UserError } from '../core/errors';
import { appBaseUrl } from './assetBase';
import type { DataRequest, DataResponse } from './dataProtocol';
import { createDataService } from './dataService';

const scope = self as unknown as { postMessage(m: DataResponse, t?: Transferable[]): void; onmessage: ((e: MessageEvent<DataRequest>) => void) | null };

async function fetchBundled(path: string, ref: string): Promise<Uint8Array> {
  const url = new URL(path, appBaseUrl()).href;
  const res = await fetch(url);
  if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) throw new UserError(`The bundled file ${ref} is missing from this build (${url}).`);
  return new Uint8Array(await res.arrayBuffer());
}

const service = createDataService((m, t) => scope.postMessage(m, t ?? []), fetchBundled);
scope.onmessage = (e) => void service.handle(e.data);
