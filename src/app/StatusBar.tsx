import { useApp } from '../state/app';
import { BACKEND_LABEL } from './BackendMenu';

/** One line of slow-changing facts at the bottom of the window. */
export function StatusBar() {
  const sim = useApp((s) => s.sim);
  const report = useApp((s) => s.backend.report);
  const isolated = typeof crossOriginIsolated === 'boolean' && crossOriginIsolated;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span>{sim.mujocoVersion ? `MuJoCo ${sim.mujocoVersion}` : 'MuJoCo loading…'}</span>
      <span>viewer: {sim.scene ? `${sim.scene} · ${sim.playing ? 'running' : 'paused'}` : '—'}</span>
      <span>tfjs: {report ? `${BACKEND_LABEL[report.active]}${report.active === 'wasm' ? ` · ${report.wasmThreads} thread${report.wasmThreads === 1 ? '' : 's'}` : ''}` : '…'}</span>
      <span>{isolated ? 'cross-origin isolated' : 'not cross-origin isolated'}</span>
      {sim.error ? <span className="error">{sim.error}</span> : null}
    </footer>
  );
}
