export type Status = 'ok' | 'busy' | 'warn' | 'error' | 'idle';

/** A small coloured dot with an accessible label. */
export function StatusDot({ status, label }: { status: Status; label: string }) {
  return <span className={`status-dot status-${status}`} role="img" aria-label={label} title={label} />;
}
