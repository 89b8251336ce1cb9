/**
 * One hyper-parameter of the form: the paper's symbol and DPPO's key, its one-line explanation, the input,
 * and on hover the reference (D3IL, spec §4.8) and preset values. A changed value is marked and can be reset.
 */
import { memo, useEffect, useState } from 'react';
import type { FinetuneConfig } from '../../config/finetune';
import { INTEGER_KEYS, PARAM_DOCS, PARAM_SYMBOLS } from './paramMeta';

export interface ParamFieldProps {
  name: keyof FinetuneConfig;
  value: number | boolean;
  presetValue: number | boolean;
  referenceValue: number | boolean;
  presetName: string;
  onChange: (name: keyof FinetuneConfig, value: number | boolean | undefined) => void;
}

function show(v: number | boolean): string {
  return typeof v === 'boolean' ? String(v) : `${v}`;
}

function ParamFieldImpl({ name, value, presetValue, referenceValue, presetName, onChange }: ParamFieldProps) {
  const meta = PARAM_DOCS.get(name);
  const symbol = PARAM_SYMBOLS[name];
  const key = meta?.dppoKey ?? name;
  const changed = value !== presetValue;
  const [text, setText] = useState(show(value));
  useEffect(() => {
    setText((t) => (Number(t) === value ? t : show(value)));
  }, [value]);
  const num = Number(text);
  const integer = INTEGER_KEYS.has(name);
  const invalid = typeof value === 'number' && (text.trim() === '' || !Number.isFinite(num) || (integer && !Number.isInteger(num)));
  const hover = `${meta?.doc ?? ''}\nreference (D3IL, spec §4.8): ${show(referenceValue)}\npreset "${presetName}": ${show(presetValue)}\nconfig key: ${name}`;

  return (
    <div className={changed ? 'xp-param changed' : 'xp-param'} title={hover} data-param={name}>
      <label className="xp-param-name" htmlFor={`param-${name}`}>
        {symbol ? <span className="xp-sym">{symbol}</span> : null}
        <span className="mono xp-key">{key}</span>
      </label>
      <div className="xp-param-input">
        {typeof value === 'boolean' ? (
          <input id={`param-${name}`} type="checkbox" checked={value} onChange={(e) => onChange(name, e.target.checked)} />
        ) : (
          <input
            id={`param-${name}`}
            className="mono"
            inputMode="decimal"
            value={text}
            aria-invalid={invalid}
            onChange={(e) => {
              setText(e.target.value);
              const v = Number(e.target.value);
              if (e.target.value.trim() !== '' && Number.isFinite(v) && (!integer || Number.isInteger(v))) onChange(name, v);
            }}
            onBlur={() => {
              if (invalid) setText(show(value));
            }}
          />
        )}
        <button
          type="button"
          className="xp-reset"
          onClick={() => onChange(name, undefined)}
          disabled={!changed}
          aria-label={`reset ${key} to the preset value`}
          title={`back to the preset value ${show(presetValue)}`}
        >
          ↺
        </button>
      </div>
      <div className="xp-param-doc">
        {meta?.doc}
        {invalid ? <span className="xp-invalid"> — {integer ? 'an integer' : 'a number'} is needed</span> : null}
      </div>
    </div>
  );
}

export const ParamField = memo(ParamFieldImpl);
