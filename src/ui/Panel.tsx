import type { ReactNode } from 'react';

export interface PanelProps {
  title: ReactNode;
  /** Small controls on the right of the title bar. */
  actions?: ReactNode;
  className?: string;
  /** Removes the body padding (e.g. for a canvas that fills the panel). */
  flush?: boolean;
  children?: ReactNode;
  testId?: string;
}

/** A titled, bordered region of a page. */
export function Panel({ title, actions, className, flush, children, testId }: PanelProps) {
  return (
    <section className={`panel${className ? ` ${className}` : ''}`} data-testid={testId}>
      <header className="panel-head">
        <h2 className="panel-title">{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      <div className={flush ? 'panel-body flush' : 'panel-body'}>{children}</div>
    </section>
  );
}
