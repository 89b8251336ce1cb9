import type { ReactNode } from 'react';

export interface EmptyStateProps {
  title: string;
  /** What will appear here and what (if anything) the user can do now. */
  children?: ReactNode;
  action?: ReactNode;
}

/** An honest "nothing here yet" message: says what belongs here and why it is empty. */
export function EmptyState({ title, children, action }: EmptyStateProps) {
  return (
    <div className="empty-state" role="status">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}
