/**
 * One hyper-parameter of the form: the paper's symbol and DPPO's key, its one-line explanation, the input,
 * and on hover the allowed range, the reference (D3IL, spec §4.8) and preset values. A changed value is
 * marked and can be reset. Text that is not a valid value stays as typed, and the field says why and what is
 * allowed (the setting's schema, the same message `--set` gives).
 */
import { memo, useEffect, useState } from 'react';
import type { FinetuneKey } from '../../config/finetune';
import { setFieldText, setOverride, useExperiment } from '../../state/experiment';
import { paramInfo } from './paramMeta';

export interface ParamFieldProps {
  name: FinetuneKey;
  value: number | boolean;
  presetValue: number | boolean;
  referenceValue: number | boolean;
  presetName: string;
  /** Why the current value (or typed text) is invalid, from the form's validity; null when valid. */
  issue: string | null;
}

function show(v: number | boolean): string {
  return typeof v === 'boolean' ? String(v) : `${v}`;
}

function ParamFieldImpl({ name, value, presetValue, referenceValue, presetName, issue }: ParamFieldProps) {
  const info = paramInfo(name);
  const key = info.yaml ?? name;
  const draft = useExperiment((s) => s.drafts[name]);
  const changed = value !== presetValue || draft !== undefined;
  const [text, setText] = useState(draft ?? show(value));
  useEffect(() => {
    // Follow changes made elsewhere (reset, preset, link) without rewriting what is being typed ("1.0", "1e-5").
    if (draft !== undefined) setText((t) => (t === draft ? t : draft));
    else setText((t) => (t.trim() !== '' && Number(t) === value ? t : show(value)));
  }, [value, draft]);
  const hover = `${info.doc}\nallowed: ${info.allowed}\nreference (D3IL, spec §4.8): ${show(referenceValue)}\npreset "${presetName}": ${show(presetValue)}\nconfig key: ${name}`;
  const errorId = `param-error-${name}`;

  return (
    <div className={changed ? 'xp-param changed' : 'xp-param'} title={hover} data-param={name} data-invalid={issue ? 'true' : undefined}>
      <label className="xp-param-name" htmlFor={`param-${name}`}>
        {info.symbol ? <span className="xp-sym">{info.symbol}</span> : null}
        <span className="mono xp-key">{key}</span>
      </label>
      <div className="xp-param-input">
        {typeof value === 'boolean' ? (
          <input id={`param-${name}`} type="checkbox" checked={value} onChange={(e) => setOverride(name, e.target.checked)} />
        ) : (
          <input
            id={`param-${name}`}
            className="mono"
            inputMode="decimal"
            value={text}
            aria-invalid={issue ? true : undefined}
            aria-describedby={issue ? errorId : undefined}
            onChange={(e) => {
              setText(e.target.value);
              setFieldText(name, e.target.value);
            }}
          />
        )}
        <button
          type="button"
          className="xp-reset"
          onClick={() => setOverride(name, undefined)}
          disabled={!changed}
          aria-label={`reset ${key} to the preset value`}
          title={`back to the preset value ${show(presetValue)}`}
        >
          ↺
        </button>
      </div>
      <div className="xp-param-doc">
        {info.doc}
        {issue ? (
          <span className="xp-invalid" id={errorId} role="alert" data-testid={errorId}>
            {issue}
          </span>
        ) : null}
      </div>
    </div>
  );
}

export const ParamField = memo(ParamFieldImpl);
