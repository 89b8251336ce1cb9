/** Connector: the local Python bridge (remote envs, real robots). Not connected in this version. */
import { EmptyState } from '../../ui/EmptyState';
import { StatusDot } from '../../ui/StatusDot';

export function ConnectorPage() {
  return (
    <div className="page" data-testid="page-connector">
      <div>
        <h1 className="page-title">Connector</h1>
        <p className="page-lede">
          Connect to a local bridge (<code>dppo-bridge</code>) to run fine-tuning on bridge-hosted environments —
          native MuJoCo, Isaac Gym, or a real Franka arm.
        </p>
      </div>
      <p>
        <StatusDot status="idle" label="not connected" /> Not connected
      </p>
      <EmptyState title="No bridge configured">
        <p>The connection form (bridge URL, token, status and log) is not available in this version yet.</p>
      </EmptyState>
    </div>
  );
}
