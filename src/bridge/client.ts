/**
 * One connection to a `dppo-bridge` (docs/bridge-protocol.md): the WebSocket handshake with the
 * `dppo-bridge.v1` subprotocol, hello/token → welcome, a heartbeat at 10 Hz whose round trip is the latency
 * shown to the user (and the Franka backend's deadman, spec/ecosystem §3d), request/reply correlation by
 * `id`, binary STEP → RESULT by `seq`, status pushes, and close. It takes the WebSocket constructor, so the
 * same code runs in a page, inside a worker (global WebSocket) and in Node (the `ws` package).
 *
 * Errors a user can act on are UserErrors with what to do: a bad URL, a refused token, an Origin the bridge
 * does not allow, a bridge that is not running, a dropped connection. Every pending request is rejected
 * when the connection ends, so nothing waits forever.
 */
import { UserError } from '../core/errors';
import {
  CLOSE_AUTH,
  CLOSE_BAD_FRAME,
  decodeFrame,
  encodeFrame,
  FRAME_RESULT,
  parseServerMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  SUBPROTOCOL,
  type ClientMessage,
  type Frame,
  type ServerMessage,
  type StatusMsg,
  type WelcomeMsg,
} from './protocol';

/** What the client needs of a WebSocket (the browser's and the `ws` package's both fit). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly bufferedAmount: number;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface ConnectOptions {
  url: string;
  token: string;
  /** Default: the global WebSocket (browser, worker, Node ≥ 22); in Node 20 pass `ws`'s. */
  WebSocket?: WebSocketCtor;
  /** Who connects (the `hello`'s client field). */
  clientName?: string;
  clientVersion?: string;
  /** Heartbeat rate in Hz (≥ 10: the bridge's deadman expects it). */
  heartbeatHz?: number;
  /** ms to wait for the handshake and the welcome. */
  timeoutMs?: number;
  /** Log lines for the connector page (sent/received ops, errors). */
  onLog?: (line: string) => void;
}

/** An `error` message of the bridge as an exception: `code` is the protocol's (auth, busy, safety …). */
export class BridgeError extends UserError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

interface Pending {
  resolve(v: ServerMessage | Frame): void;
  reject(e: Error): void;
  what: string;
}

const OPEN = 1;

/** The bridge's address from what a user typed: ws:// or wss:// only, with a host. */
export function checkBridgeUrl(text: string): string {
  const t = text.trim();
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    throw new UserError(`"${t}" is not a bridge URL; it looks like ws://127.0.0.1:8765 (dppo-bridge prints it when it starts).`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new UserError(`The bridge URL must start with ws:// or wss://, not ${u.protocol}// (dppo-bridge prints ws://127.0.0.1:8765).`);
  }
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/**
 * URL and token from what a user pasted: the line dppo-bridge prints (a ws:// URL and `token …`), a URL
 * carrying `?token=` or `#token=`, or just a URL (token then typed apart). Null fields were not found.
 */
export function parseBridgeLine(text: string): { url: string | null; token: string | null } {
  const m = /\bwss?:\/\/[^\s'"<>()]+/.exec(text);
  let url: string | null = null;
  let token: string | null = null;
  if (m) {
    try {
      const u = new URL(m[0]);
      const hashParams = new URLSearchParams(u.hash.replace(/^#/, ''));
      // Only the token's own characters (token_urlsafe: A–Z a–z 0–9 _ -), so "…#token=abc)" gives "abc".
      token = /^[A-Za-z0-9_\-.~]+/.exec(u.searchParams.get('token') ?? hashParams.get('token') ?? '')?.[0] ?? null;
      url = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    } catch {
      url = null;
    }
  }
  const t = /\btoken\b\s*[:=]?\s*([A-Za-z0-9_\-.~]+)/i.exec(text.replace(/\bwss?:\/\/\S+/g, ' '));
  if (!token && t) token = t[1];
  return { url, token };
}

/** One live connection; create with `BridgeClient.connect`. */
export class BridgeClient {
  readonly url: string;
  readonly welcome: WelcomeMsg;
  /** Last heartbeat round trip in ms (NaN before the first ack). */
  latencyMs = NaN;
  /** Exponential mean of the round trips (α = 0.2). */
  latencyMeanMs = NaN;
  /** The last `status` pushed by the bridge (Franka: state and end-effector pose). */
  lastStatus: StatusMsg | null = null;
  /** Why the connection ended; null while open. */
  closedReason: string | null = null;

  private nextId = 1;
  private hbSeq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly steps = new Map<number, Pending>();
  private readonly statusListeners = new Set<(s: StatusMsg) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly heartbeatListeners = new Set<(rttMs: number) => void>();
  private hbTimer: ReturnType<typeof setInterval> | null = null;
  private lastAckAt = Date.now();
  private readonly log: (line: string) => void;

  private constructor(
    private readonly ws: WebSocketLike,
    url: string,
    welcome: WelcomeMsg,
    opts: ConnectOptions,
  ) {
    this.url = url;
    this.welcome = welcome;
    this.log = opts.onLog ?? (() => undefined);
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = (ev) => this.onClosed(closeText(url, ev.code, ev.reason, true));
    ws.onerror = () => undefined; // the close event that follows says what happened
    const hz = Math.max(10, opts.heartbeatHz ?? 10);
    const periodMs = 1000 / hz;
    const silenceMs = Math.max(3000, 4 * welcome.limits.heartbeat_timeout_ms);
    let lastTick = Date.now();
    this.hbTimer = setInterval(() => {
      const now = Date.now();
      // A late tick means this thread was busy (a training update blocks a worker for seconds): the
      // replies wait unread in our own queue, so the silence is ours, not the bridge's.
      if (now - lastTick > 3 * periodMs) this.lastAckAt = Math.max(this.lastAckAt, now);
      lastTick = now;
      if (now - this.lastAckAt > silenceMs) {
        this.fail(`The bridge at ${url} stopped answering (no heartbeat reply for ${Math.round(silenceMs / 1000)} s); the connection was closed.`);
        return;
      }
      this.sendJson({ op: 'heartbeat', seq: this.hbSeq++ >>> 0, t_ms: nowMs() }, false);
    }, 1000 / hz);
  }

  /** Opens the WebSocket, sends hello with the token and waits for welcome. */
  static connect(opts: ConnectOptions): Promise<BridgeClient> {
    const url = checkBridgeUrl(opts.url);
    const token = opts.token.trim();
    if (!token) return Promise.reject(new UserError('The bridge token is empty: paste the token dppo-bridge printed when it started.'));
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!Ctor) return Promise.reject(new UserError('This JavaScript runtime has no WebSocket; in Node 20 the bridge client needs the ws package.'));
    const log = opts.onLog ?? (() => undefined);
    return new Promise<BridgeClient>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new Ctor(url, [SUBPROTOCOL]);
      } catch (err) {
        reject(new UserError(`Cannot open a WebSocket to ${url}: ${(err as Error).message}`));
        return;
      }
      ws.binaryType = 'arraybuffer';
      let opened = false;
      let settled = false;
      const timer = setTimeout(() => finish(new UserError(`The bridge at ${url} did not answer within ${Math.round((opts.timeoutMs ?? 8000) / 1000)} s.`)), opts.timeoutMs ?? 8000);
      const finish = (res: BridgeClient | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (res instanceof Error) {
          ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
          try {
            ws.close();
          } catch {
            // already closed
          }
          reject(res);
        } else resolve(res);
      };
      ws.onopen = () => {
        opened = true;
        if (ws.protocol !== SUBPROTOCOL) {
          finish(new UserError(`The server at ${url} does not speak ${SUBPROTOCOL} (it chose "${ws.protocol}"): is it dppo-bridge of a matching version?`));
          return;
        }
        log(`→ hello (protocol ${PROTOCOL_VERSION})`);
        ws.send(JSON.stringify({ op: 'hello', token, protocol: PROTOCOL_VERSION, client: { name: opts.clientName ?? 'dppo-workbench', version: opts.clientVersion ?? '0' } } satisfies ClientMessage));
      };
      ws.onerror = () => undefined;
      ws.onclose = (ev) => finish(new UserError(closeText(url, ev.code, ev.reason, opened)));
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') {
          finish(new UserError(`The bridge at ${url} sent binary data before its welcome.`));
          return;
        }
        let msg: ServerMessage;
        try {
          msg = parseServerMessage(ev.data);
        } catch (err) {
          finish(new UserError((err as Error).message));
          return;
        }
        if (msg.op === 'error') {
          finish(msg.code === 'auth'
            ? new BridgeError('auth', `The bridge refused the token (${msg.message}). Paste the token dppo-bridge printed when it started.`)
            : new BridgeError(msg.code, `The bridge refused the connection: ${msg.message}`));
          return;
        }
        if (msg.op !== 'welcome') {
          finish(new UserError(`The bridge sent "${msg.op}" before its welcome.`));
          return;
        }
        if (msg.protocol !== PROTOCOL_VERSION) {
          finish(new UserError(`The bridge speaks protocol ${msg.protocol}, this app ${PROTOCOL_VERSION}: update one of them.`));
          return;
        }
        log(`← welcome: ${msg.backend} backend, session ${msg.session_id}, ${msg.server.name} ${msg.server.version}`);
        finish(new BridgeClient(ws, url, msg, opts));
      };
    });
  }

  get open(): boolean {
    return this.closedReason === null && this.ws.readyState === OPEN;
  }

  get backend(): string {
    return this.welcome.backend;
  }

  get sessionId(): string {
    return this.welcome.session_id;
  }

  onStatus(fn: (s: StatusMsg) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  onClose(fn: (reason: string) => void): () => void {
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  onHeartbeat(fn: (rttMs: number) => void): () => void {
    this.heartbeatListeners.add(fn);
    return () => this.heartbeatListeners.delete(fn);
  }

  /** A fresh request id (u32, never 0). */
  newId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
    return id;
  }

  /**
   * Sends a JSON request carrying `id` and resolves with the bridge's reply to that id (`spec`, `ok`), or
   * for `reset` the RESULT frame with seq = id. An `error` reply rejects with a BridgeError.
   */
  request<T extends ServerMessage | Frame>(msg: Extract<ClientMessage, { id: number }>, what: string = msg.op): Promise<T> {
    const map = msg.op === 'reset' ? this.steps : this.pending;
    return this.track<T>(map, msg.id, what, () => this.sendJson(msg));
  }

  /** Sends a binary STEP frame (seq = its request id) and resolves with the RESULT frame of that seq. */
  step(frame: Frame, what = 'step'): Promise<Frame> {
    const buf = encodeFrame(frame);
    return this.track<Frame>(this.steps, frame.seq, what, () => this.ws.send(buf));
  }

  /**
   * Sends a binary STEP frame that gets no RESULT (a Franka command, docs/bridge-protocol.md §5: `status`
   * reports `last_seq`); an `error` for its seq is logged.
   */
  sendFrame(frame: Frame): void {
    if (!this.open) throw new UserError(this.closedReason ?? `The connection to the bridge at ${this.url} is closed.`);
    this.ws.send(encodeFrame(frame));
  }

  /** `stop`: sent at once, ahead of anything the page would queue; the bridge handles it before queued work. */
  stop(): void {
    this.sendJson({ op: 'stop' });
  }

  /** Closes the connection (idempotent); pending requests reject. */
  close(reason = 'closed by this client'): void {
    if (this.closedReason !== null) return;
    try {
      this.ws.close(1000, reason.slice(0, 100));
    } catch {
      // already closing
    }
    this.onClosed(`The connection to the bridge at ${this.url} was ${reason}.`);
  }

  private track<T>(map: Map<number, Pending>, id: number, what: string, send: () => void): Promise<T> {
    if (!this.open) return Promise.reject(new UserError(this.closedReason ?? `The connection to the bridge at ${this.url} is closed.`));
    return new Promise<T>((resolve, reject) => {
      map.set(id, { resolve: resolve as (v: ServerMessage | Frame) => void, reject, what });
      try {
        send();
      } catch (err) {
        map.delete(id);
        reject(err instanceof UserError ? err : new UserError(`Could not send ${what} to the bridge: ${(err as Error).message}`));
      }
    });
  }

  private sendJson(msg: ClientMessage, logIt = true): void {
    if (this.ws.readyState !== OPEN) return;
    if (logIt) this.log(`→ ${msg.op}${'id' in msg ? ` #${msg.id}` : ''}`);
    this.ws.send(JSON.stringify(msg));
  }

  private onMessage(data: unknown): void {
    try {
      if (typeof data === 'string') this.onText(parseServerMessage(data));
      else if (data instanceof ArrayBuffer) this.onBinary(decodeFrame(data));
      else if (ArrayBuffer.isView(data)) this.onBinary(decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
      else throw new ProtocolError('protocol', 'the bridge sent a message of an unknown type');
    } catch (err) {
      // A malformed message from the bridge: this connection cannot be trusted any more.
      this.fail(`The bridge at ${this.url} sent a malformed message (${(err as Error).message}); the connection was closed.`);
    }
  }

  private onText(msg: ServerMessage): void {
    switch (msg.op) {
      case 'heartbeat_ack': {
        this.lastAckAt = Date.now();
        const rtt = nowMs() - msg.t_ms;
        if (rtt >= 0 && rtt < 60_000) {
          this.latencyMs = rtt;
          this.latencyMeanMs = Number.isNaN(this.latencyMeanMs) ? rtt : 0.8 * this.latencyMeanMs + 0.2 * rtt;
          for (const fn of this.heartbeatListeners) fn(rtt);
        }
        return;
      }
      case 'status':
        this.lastStatus = msg;
        for (const fn of this.statusListeners) fn(msg);
        return;
      case 'error': {
        this.log(`← error ${msg.code}${msg.id !== undefined ? ` #${msg.id}` : ''}: ${msg.message}`);
        const err = new BridgeError(msg.code, `The bridge answered ${msg.code}: ${msg.message}`);
        const p = msg.id !== undefined ? (this.pending.get(msg.id) ?? this.steps.get(msg.id)) : undefined;
        if (p && msg.id !== undefined) {
          this.pending.delete(msg.id);
          this.steps.delete(msg.id);
          p.reject(err);
        } else if (msg.code === 'protocol' || msg.code === 'bad_frame' || msg.code === 'auth') {
          this.fail(err.message);
        } else {
          // An error without a request (e.g. a step that the bridge could not place): fail the steps in flight.
          for (const [id, q] of this.steps) {
            this.steps.delete(id);
            q.reject(err);
          }
        }
        return;
      }
      case 'spec':
      case 'ok': {
        this.log(`← ${msg.op} #${msg.id}`);
        const p = this.pending.get(msg.id);
        if (!p) {
          this.fail(`The bridge answered request #${msg.id}, which this client never sent; the connection was closed.`);
          return;
        }
        this.pending.delete(msg.id);
        p.resolve(msg);
        return;
      }
      case 'welcome':
        this.fail(`The bridge at ${this.url} sent a second welcome; the connection was closed.`);
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  private onBinary(frame: Frame): void {
    if (frame.kind !== FRAME_RESULT) throw new ProtocolError('bad_frame', `the bridge sent a frame of kind ${frame.kind}, not RESULT`);
    const p = this.steps.get(frame.seq);
    if (!p) throw new ProtocolError('bad_frame', `a RESULT for seq ${frame.seq}, which this client never sent`);
    this.steps.delete(frame.seq);
    p.resolve(frame);
  }

  private fail(reason: string): void {
    this.log(`✕ ${reason}`);
    try {
      this.ws.close(CLOSE_BAD_FRAME, 'client closed');
    } catch {
      // closing anyway
    }
    this.onClosed(reason);
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.hbTimer = null;
    this.ws.onmessage = null;
    this.ws.onclose = null;
    this.log(`closed: ${reason}`);
    for (const map of [this.pending, this.steps]) {
      for (const p of map.values()) p.reject(new UserError(`${reason.replace(/\.$/, '')} (while waiting for ${p.what}).`));
      map.clear();
    }
    for (const fn of this.closeListeners) fn(reason);
  }
}

function nowMs(): number {
  return typeof performance !== 'undefined' ? performance.timeOrigin + performance.now() : Date.now();
}

/** The user-facing sentence for a WebSocket close (before or after the welcome). */
function closeText(url: string, code: number, reason: string, opened: boolean): string {
  const why = reason ? `: ${reason}` : '';
  if (code === CLOSE_AUTH) return `The bridge at ${url} refused the token${why}. Paste the token dppo-bridge printed when it started.`;
  if (code === CLOSE_BAD_FRAME) return `The bridge at ${url} closed the connection after a malformed message${why}.`;
  if (!opened) {
    return `Could not connect to the bridge at ${url} (is dppo-bridge running there? It refuses pages whose origin it does not allow: start it with --origin ${pageOrigin() ?? '<this page\'s origin>'}).`;
  }
  if (code === 1000 || code === 1001) return `The bridge at ${url} closed the connection${why}.`;
  return `Lost the connection to the bridge at ${url} (code ${code}${why}).`;
}

function pageOrigin(): string | null {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  return loc?.origin && loc.origin !== 'null' ? loc.origin : null;
}
