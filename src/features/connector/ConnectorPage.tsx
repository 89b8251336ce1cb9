/**
 * Connector: a local `dppo-bridge` (native MuJoCo, Isaac Gym or a Franka arm) behind one protocol
 * (docs/bridge-protocol.md). Connect with URL + token (a pasted start-up line fills both), see status,
 * latency, the server and the env spec of a task, a log and reconnect; run a fine-tuning experiment on the
 * bridge's envs; for a Franka arm: arm/disarm with a typed confirmation, the live end-effector pose, jog
 * buttons and a policy run under the bridge's clamps (inference in the train worker).
 * STOP is always on screen (also Space/Esc): `stop` goes to the bridge first, then the run stops.
 */
import { useEffect, useRef, useState } from 'react';
import {
  armRobot,
  benchBridge,
  connectBridge,
  disarmRobot,
  disconnectBridge,
  reconnectBridge,
  runOnBridge,
  runRobotPolicy,
  sendRobotCommand,
  setBridgeField,
  showSpec,
  stopEverything,
  useBridge,
} from '../../state/bridge';
import { isLive, useRuns } from '../../state/runs';
import { isTaskId } from '../../state/taskCatalog';
import { Button } from '../../ui/Button';
import { Kbd } from '../../ui/Kbd';
import { Panel } from '../../ui/Panel';
import { StatusDot, type Status } from '../../ui/StatusDot';
import './connector.css';

function fmt(x: number | null, digits = 1): string {
  return x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function ConnectPanel() {
  const s = useBridge();
  const err = (f: 'url' | 'token' | 'connection') => (s.error?.field === f ? s.error.message : null);
  const dot: Status = s.phase === 'connected' ? 'ok' : s.phase === 'connecting' ? 'busy' : s.error ? 'error' : 'idle';
  return (
    <Panel title="Bridge" testId="bridge-connect">
      <form
        className="cn-form"
        onSubmit={(e) => {
          e.preventDefault();
          void connectBridge();
        }}
      >
        <label className="cn-field">
          <span>URL</span>
          <input
            data-testid="bridge-url"
            value={s.urlText}
            spellCheck={false}
            placeholder="ws://127.0.0.1:8765 — or paste the line dppo-bridge printed"
            aria-invalid={!!err('url')}
            onChange={(e) => setBridgeField('urlText', e.target.value)}
          />
          {err('url') ? <span className="cn-error" data-testid="bridge-url-error">{err('url')}</span> : null}
        </label>
        <label className="cn-field">
          <span>Token</span>
          <input
            data-testid="bridge-token"
            type="password"
            autoComplete="off"
            value={s.tokenText}
            spellCheck={false}
            placeholder="printed by dppo-bridge at start"
            aria-invalid={!!err('token')}
            onChange={(e) => setBridgeField('tokenText', e.target.value)}
          />
          {err('token') ? <span className="cn-error" data-testid="bridge-token-error">{err('token')}</span> : null}
        </label>
        <div className="cn-actions">
          <Button type="submit" variant="primary" data-testid="bridge-connect-button" disabled={s.phase === 'connecting'}>
            {s.phase === 'connecting' ? 'Connecting…' : 'Connect'}
          </Button>
          <Button data-testid="bridge-reconnect" disabled={s.phase === 'connecting' || !s.tokenText} onClick={() => void reconnectBridge()}>
            Reconnect
          </Button>
          <Button data-testid="bridge-disconnect" disabled={s.phase !== 'connected'} onClick={() => disconnectBridge()}>
            Disconnect
          </Button>
        </div>
      </form>
      <p className="cn-status" data-testid="bridge-status" data-phase={s.phase}>
        <StatusDot status={dot} label={s.phase} /> {s.phase === 'connected' ? `connected to ${s.info?.url}` : s.phase}
        {s.phase === 'connected' ? (
          <span className="cn-latency" data-testid="bridge-latency" data-ms={s.latencyMs ?? ''}>
            {' '}· latency {fmt(s.latencyMs)} ms (mean {fmt(s.latencyMeanMs)} ms)
          </span>
        ) : null}
      </p>
      {err('connection') ? <p className="cn-error" data-testid="bridge-connection-error">{err('connection')}</p> : null}
      {s.info ? (
        <dl className="kv" data-testid="bridge-info" data-backend={s.info.backend} data-session={s.info.sessionId}>
          <dt>server</dt>
          <dd>{s.info.server}</dd>
          <dt>backend</dt>
          <dd>
            {s.info.backend}
            {s.info.ray ? ' (Ray)' : ''}
          </dd>
          <dt>session</dt>
          <dd>{s.info.sessionId}</dd>
          <dt>tasks</dt>
          <dd>{s.info.tasks.join(', ') || '–'}</dd>
          <dt>limits</dt>
          <dd>
            ≤ {s.info.maxEnvs} envs · heartbeat timeout {s.info.heartbeatTimeoutMs} ms
            {s.info.commandRateHz ? ` · ${s.info.commandRateHz} Hz commands` : ''}
          </dd>
        </dl>
      ) : (
        <p className="hint">
          Start <code>dppo-bridge --backend mujoco</code> (<code>pip install ./bridge</code>) and paste the URL and token it prints. A page
          served from another origin than localhost needs <code>--origin {typeof location !== 'undefined' ? location.origin : 'URL'}</code>.
        </p>
      )}
    </Panel>
  );
}

function SpecPanel() {
  const s = useBridge();
  if (!s.info || s.info.franka) return null;
  return (
    <Panel title="Env spec" testId="bridge-spec">
      <label className="cn-field cn-inline">
        <span>Task</span>
        <select data-testid="bridge-task" value={s.specTask ?? ''} onChange={(e) => void showSpec(e.target.value)}>
          {s.info.tasks.map((t) => (
            <option key={t} value={t}>
              {t}
              {isTaskId(t) ? '' : ' (unknown here)'}
            </option>
          ))}
        </select>
      </label>
      {s.specError ? <p className="cn-error">{s.specError}</p> : null}
      {s.spec ? (
        <dl className="kv" data-testid="bridge-spec-values" data-obs-dim={s.spec.spec.obsDim} data-act-dim={s.spec.spec.actDim}>
          <dt>obs dim</dt>
          <dd>{s.spec.spec.obsDim}</dd>
          <dt>action dim</dt>
          <dd>
            {s.spec.spec.actDim} (bounds [{s.spec.spec.actLow.map((x) => fmt(x, 2)).join(', ')}] … [{s.spec.spec.actHigh.map((x) => fmt(x, 2)).join(', ')}])
          </dd>
          <dt>control dt</dt>
          <dd>{fmt(s.spec.spec.controlDt * 1000, 1)} ms</dd>
          <dt>horizon</dt>
          <dd>{s.spec.spec.maxEpisodeSteps} steps</dd>
          <dt>success threshold</dt>
          <dd>{s.spec.spec.bestRewardThresholdForSuccess}</dd>
          <dt>trace dim / tags</dt>
          <dd>
            {s.spec.traceDim} / {s.spec.tagKeys.join(', ') || 'none'}
          </dd>
        </dl>
      ) : null}
    </Panel>
  );
}

function RunPanel() {
  const s = useBridge();
  const runs = useRuns();
  const fileRef = useRef<HTMLInputElement>(null);
  const [envs, setEnvs] = useState('16');
  const [secs, setSecs] = useState('3');
  if (!s.info || s.info.franka) return null;
  const task = s.specTask ?? s.info.tasks[0];
  const run = s.runId ? runs.runs[s.runId] : null;
  const start = async () => {
    const f = fileRef.current?.files?.[0];
    const file = f ? { name: f.name, bytes: await f.arrayBuffer() } : undefined;
    runOnBridge(task, file);
  };
  return (
    <Panel title="Run on bridge" testId="bridge-run">
      <p className="hint">
        Fine-tunes with the Experiments page's settings for <b>{task}</b> (its checkpoint, or a checkpoint file below); the envs run in the
        bridge, the policy and the training here. The run shows on the Experiments page.
      </p>
      <label className="cn-field cn-inline">
        <span>Checkpoint file</span>
        <input ref={fileRef} type="file" accept=".ckpt,.safetensors" data-testid="bridge-ckpt-file" />
      </label>
      <div className="cn-actions">
        <Button variant="primary" data-testid="bridge-run-start" disabled={s.phase !== 'connected' || !task || (run !== null && isLive(run.status))} onClick={() => void start()}>
          Run on bridge
        </Button>
        <a href="#/experiments" className="hint">
          Experiments page →
        </a>
      </div>
      {s.runError ? <p className="cn-error" data-testid="bridge-run-error">{s.runError}</p> : null}
      {run ? (
        <p data-testid="bridge-run-status" data-status={run.status} data-points={run.points.length}>
          {run.label}: {run.status}, {run.points.length} of {run.totalIterations} iterations
          {run.error ? <span className="cn-error"> — {run.error}</span> : null}
        </p>
      ) : null}
      <h3 className="cn-sub">Throughput from this tab</h3>
      <div className="cn-actions">
        <label className="cn-field cn-inline cn-small">
          <span>envs</span>
          <input value={envs} onChange={(e) => setEnvs(e.target.value)} data-testid="bridge-bench-envs" inputMode="numeric" />
        </label>
        <label className="cn-field cn-inline cn-small">
          <span>seconds</span>
          <input value={secs} onChange={(e) => setSecs(e.target.value)} data-testid="bridge-bench-seconds" inputMode="numeric" />
        </label>
        <Button
          data-testid="bridge-bench"
          disabled={s.phase !== 'connected' || s.bench.running || !task}
          onClick={() => void benchBridge({ task, nEnvs: Math.max(1, Math.min(s.info?.maxEnvs ?? 64, Math.floor(Number(envs)) || 16)), seconds: Math.max(1, Math.min(60, Number(secs) || 3)) })}
        >
          {s.bench.running ? 'Measuring…' : 'Measure env steps/s (bridge vs browser pool)'}
        </Button>
      </div>
      {s.bench.error ? <p className="cn-error">{s.bench.error}</p> : null}
      {s.bench.result ? (
        <p data-testid="bridge-bench-result" data-steps-per-s={s.bench.result.envStepsPerS.toFixed(0)} data-pool-steps-per-s={s.bench.result.poolEnvStepsPerS.toFixed(0)} data-pool-workers={s.bench.result.poolWorkers}>
          bridge: <b>{Math.round(s.bench.result.envStepsPerS).toLocaleString()}</b> env steps/s ({s.bench.result.msPerChunk.toFixed(2)} ms per chunk round trip) · this
          browser's sim pool ({s.bench.result.poolWorkers} worker{s.bench.result.poolWorkers === 1 ? '' : 's'}): <b>{Math.round(s.bench.result.poolEnvStepsPerS).toLocaleString()}</b> env steps/s — {s.bench.result.task},{' '}
          {s.bench.result.nEnvs} envs × {s.bench.result.actSteps} steps per chunk, medians of {s.bench.result.seconds} alternating 1-s blocks
        </p>
      ) : null}
    </Panel>
  );
}

/** Jog step sizes as fractions of the bridge's per-step clamps. */
const JOG = 0.2;

function RobotPanel() {
  const s = useBridge();
  const [typed, setTyped] = useState('');
  if (!s.info?.franka) return null;
  const r = s.robot;
  const armed = r?.state === 'armed' || r?.state === 'running';
  const jog = (axis: number, sign: number) => {
    const cmd = [0, 0, 0, 0, 0, 0, 0];
    cmd[axis] = sign * JOG;
    sendRobotCommand(cmd);
  };
  return (
    <Panel title="Robot" testId="bridge-robot">
      <p data-testid="robot-state" data-state={r?.state ?? 'unknown'}>
        <StatusDot status={armed ? 'warn' : r?.state === 'stopped' ? 'error' : 'ok'} label={r?.state ?? 'unknown'} /> {r?.state ?? 'waiting for status'}
        {r?.controller ? ' · this page controls the arm' : ''}
        {r?.reason ? ` · ${r.reason}` : ''}
      </p>
      <dl className="kv" data-testid="robot-pose">
        <dt>end effector</dt>
        <dd>{r?.ee_pos ? `x ${fmt(r.ee_pos[0], 3)}  y ${fmt(r.ee_pos[1], 3)}  z ${fmt(r.ee_pos[2], 3)} m` : '–'}</dd>
        <dt>orientation</dt>
        <dd>{r?.ee_quat ? `w ${fmt(r.ee_quat[0], 3)}  x ${fmt(r.ee_quat[1], 3)}  y ${fmt(r.ee_quat[2], 3)}  z ${fmt(r.ee_quat[3], 3)}` : '–'}</dd>
      </dl>
      {armed ? (
        <>
          <Button data-testid="robot-disarm" onClick={() => void disarmRobot()}>
            Disarm
          </Button>
          <p className="hint">Jog (each press is one command, clamped by the bridge to its per-step limits and workspace box):</p>
          <div className="cn-jog">
            {['x', 'y', 'z'].map((ax, i) => (
              <span key={ax}>
                <Button small onClick={() => jog(i, -1)}>
                  −{ax}
                </Button>
                <Button small onClick={() => jog(i, 1)}>
                  +{ax}
                </Button>
              </span>
            ))}
          </div>
        </>
      ) : (
        <form
          className="cn-actions"
          onSubmit={(e) => {
            e.preventDefault();
            void armRobot(typed);
            setTyped('');
          }}
        >
          <label className="cn-field cn-inline">
            <span>Type ARM to arm</span>
            <input data-testid="robot-arm-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
          <Button type="submit" variant="danger" data-testid="robot-arm" disabled={typed.trim() !== 'ARM' || s.phase !== 'connected'}>
            Arm
          </Button>
        </form>
      )}
      {s.armError ? <p className="cn-error" data-testid="robot-error">{s.armError}</p> : null}
      <PolicyRun armed={armed} />
    </Panel>
  );
}

const cm = (v: readonly number[] | null | undefined) => (v ? v.map((x) => (x * 100).toFixed(2)).join('  ') : '–');

/** Runs a policy on the armed arm: the scripted reach policy or a checkpoint file (7-D pose in, 7-D command out). */
function PolicyRun({ armed }: { armed: boolean }) {
  const p = useBridge((s) => s.policy);
  const fileRef = useRef<HTMLInputElement>(null);
  const [source, setSource] = useState<'scripted' | 'file'>('scripted');
  const start = async () => {
    const f = source === 'file' ? fileRef.current?.files?.[0] : undefined;
    if (source === 'file' && !f) return;
    await runRobotPolicy(f ? { name: f.name, bytes: await f.arrayBuffer() } : undefined);
  };
  return (
    <div className="cn-policy" data-testid="robot-policy" data-running={p.running} data-steps={p.steps} data-ended={p.ended ?? ''}>
      <h3 className="cn-sub">Run a policy</h3>
      <p className="hint">
        Observation: end-effector pose (x y z m, quaternion w x y z); action: one command (dx dy dz drx dry drz gripper) in [−1, 1], sent at the
        bridge's command rate and clamped there (5 cm, 0.5 rad per step, workspace box). STOP (Space/Esc), disarming or hiding the tab ends it.
      </p>
      <div className="cn-actions">
        <label className="cn-field cn-inline">
          <span>Policy</span>
          <select data-testid="robot-policy-source" value={source} onChange={(e) => setSource(e.target.value as 'scripted' | 'file')} disabled={p.running}>
            <option value="scripted">scripted reach (fixed-weight Gaussian MLP)</option>
            <option value="file">checkpoint file…</option>
          </select>
        </label>
        {source === 'file' ? <input ref={fileRef} type="file" accept=".ckpt,.safetensors" data-testid="robot-policy-file" disabled={p.running} /> : null}
        <Button variant="primary" data-testid="robot-policy-run" disabled={p.running || !armed} title={armed ? undefined : 'Arm the robot first'} onClick={() => void start()}>
          {p.running ? 'Running…' : 'Run policy'}
        </Button>
      </div>
      {p.source ? (
        <dl className="kv" data-testid="robot-policy-motion">
          <dt>policy</dt>
          <dd>
            {p.source} · {p.steps} commands{p.inferMs !== null ? ` · inference ${p.inferMs.toFixed(1)} ms` : ''}
            {p.ended ? ` · ended: ${p.ended}` : ''}
          </dd>
          <dt>action</dt>
          <dd>{p.last ? p.last.action.map((x) => x.toFixed(2)).join('  ') : '–'}</dd>
          <dt>commanded Δ (cm)</dt>
          <dd>{cm(p.last?.commandedM)}</dd>
          <dt>after box clamp (cm)</dt>
          <dd>{cm(p.boxedM)}</dd>
          <dt>measured Δ (cm)</dt>
          <dd data-testid="robot-policy-measured">{cm(p.measuredM)}</dd>
        </dl>
      ) : null}
      {p.error ? <p className="cn-error" data-testid="robot-policy-error">{p.error}</p> : null}
    </div>
  );
}

function LogPanel() {
  const lines = useBridge((s) => s.log);
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [lines]);
  return (
    <Panel title="Log" testId="bridge-log">
      <pre className="cn-log" ref={ref}>
        {lines.join('\n') || 'nothing yet'}
      </pre>
    </Panel>
  );
}

export function ConnectorPage() {
  useEffect(() => {
    // STOP from the keyboard: Esc always (even while typing), Space outside text fields.
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = !!t && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable);
      if (e.key === 'Escape' || (e.key === ' ' && !typing)) {
        e.preventDefault();
        stopEverything();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="page cn-page" data-testid="page-connector">
      <div className="cn-head">
        <div>
          <h1 className="page-title">Connector</h1>
          <p className="page-lede">
            Connect to a local bridge (<code>dppo-bridge</code>) to run fine-tuning on bridge-hosted environments — native MuJoCo, Isaac Gym, or
            a real Franka arm. The policy and the training stay in this tab.
          </p>
        </div>
        <Button variant="danger" className="cn-stop" data-testid="bridge-stop" onClick={stopEverything} title="Stops the robot / the bridge's queued work first, then the run (Space or Esc)">
          STOP <Kbd>Esc</Kbd>
        </Button>
      </div>
      <div className="cn-grid">
        <div className="cn-col">
          <ConnectPanel />
          <SpecPanel />
          <RobotPanel />
        </div>
        <div className="cn-col">
          <RunPanel />
          <LogPanel />
        </div>
      </div>
    </div>
  );
}
