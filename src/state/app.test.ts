import { describe, expect, it } from 'vitest';
import { loadBackendChoice, parseHash, routeHref } from './app';

describe('hash routes', () => {
  it('parses the page and keeps the query (shared configs live there)', () => {
    expect(parseHash('#/datasets')).toEqual({ route: 'datasets', query: '' });
    expect(parseHash('#/inspector?task=avoid-m2&seed=3')).toEqual({ route: 'inspector', query: 'task=avoid-m2&seed=3' });
    expect(parseHash('#/policies/')).toEqual({ route: 'policies', query: '' });
  });
  it('sends unknown or empty hashes to Experiments', () => {
    expect(parseHash('').route).toBe('experiments');
    expect(parseHash('#/nope').route).toBe('experiments');
  });
  it('builds links that parse back', () => {
    expect(parseHash(routeHref('connector', 'a=1'))).toEqual({ route: 'connector', query: 'a=1' });
  });
  it('falls back to automatic backend choice without storage', () => {
    expect(loadBackendChoice()).toBe('auto');
  });
});
