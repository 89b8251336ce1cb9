#!/usr/bin/env node
// Static server for the built app (dist/). Sends COOP/COEP/CORP so the page is cross-origin isolated
// (SharedArrayBuffer, threaded tfjs-wasm; spec/tfjs-backends.md §3.3, §6.2) and serves .wasm as
// application/wasm. Usage: node scripts/serve.mjs [--dir dist] [--port N] [--host H] [--no-isolation]
// Port: --port, else $PORT, else 4173. Prints the URL when listening.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.npz': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function parseArgs(argv) {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const opts = { dir: join(root, 'dist'), port: Number(process.env.PORT ?? 4173), host: '127.0.0.1', isolation: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-isolation') opts.isolation = false;
    else if (a === '--dir') opts.dir = resolve(argv[++i]);
    else if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--host') opts.host = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/serve.mjs [--dir dist] [--port N] [--host 127.0.0.1] [--no-isolation]');
      process.exit(0);
    } else {
      console.error(`serve: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error(`serve: invalid port ${opts.port}`);
    process.exit(2);
  }
  return opts;
}

/** Starts the server; resolves with { server, url }. Exported for the e2e runner. */
export function serve({ dir, port = 4173, host = '127.0.0.1', isolation = true, quiet = false }) {
  const rootDir = resolve(dir);
  try {
    statSync(join(rootDir, 'index.html'));
  } catch {
    throw new Error(`serve: ${join(rootDir, 'index.html')} not found; run "npx vite build" first.`);
  }
  const server = createServer((req, res) => {
    const extra = isolation ? ISOLATION : {};
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', ...extra }).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, extra).end('bad request');
      return;
    }
    let file = normalize(join(rootDir, path));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) {
      res.writeHead(403, extra).end('forbidden');
      return;
    }
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) {
        file = join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...extra }).end(`not found: ${path}`);
      return;
    }
    const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Hashed build assets never change; everything else is revalidated.
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': st.size, 'Cache-Control': cache, ...extra });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const url = `http://${host}:${addr.port}/`;
      if (!quiet) {
        console.log(`DPPO Workbench: ${url}  (${isolation ? 'cross-origin isolated: COOP/COEP on' : 'no isolation headers'}; Ctrl+C to stop)`);
      }
      resolvePromise({ server, url });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  serve(opts).catch((e) => {
    console.error(e.code === 'EADDRINUSE' ? `serve: port ${opts.port} is in use; set PORT=<free port> or pass --port.` : e.message);
    process.exit(1);
  });
}
