import { useEffect } from 'react';
import { setHelpOpen, useApp } from '../state/app';
import { Button } from '../ui/Button';
import { Kbd } from '../ui/Kbd';

/** Keyboard shortcuts ('?' opens it, Esc closes it). */
export function HelpDialog() {
  const open = useApp((s) => s.helpOpen);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setHelpOpen(false);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  if (!open) return null;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && setHelpOpen(false)}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help-dialog">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <dl className="shortcuts">
          <dt><Kbd>Space</Kbd></dt>
          <dd>start, pause or resume fine-tuning (Experiments)</dd>
          <dt><Kbd>R</Kbd></dt>
          <dd>reset the 3-D view</dd>
          <dt><Kbd>?</Kbd></dt>
          <dd>this help</dd>
        </dl>
        <Button onClick={() => setHelpOpen(false)} autoFocus>
          Close
        </Button>
      </div>
    </div>
  );
}
