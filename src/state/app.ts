/**
 * App-level state (zustand): route, theme, tfjs backend report, viewer sim status. Only slow-changing
 * status lives here; per-frame data (poses) never does (design §5.7). Actions are module-level functions.
 */
import { create } from 'zustand';
import type { BackendName, BackendReport } from '../workers/protocol';
import { getClients } from './clients';

export const ROUTES = ['experiments', 'inspector', 'datasets', 'policies', 'connector'] as const;
export type Route = (typeof ROUTES)[number];
export type Theme = 'dark' | 'light';
export type BackendChoice = BackendName | 'auto';

export interface SimStatus {
  /** Scene loaded in the viewer's sim worker, or null while loading. */
  scene: string | null;
  playing: boolean;
  mujocoVersion: string | null;
  /** Last error of the sim worker, in one sentence, or null. */
  error: string | null;
}

export interface BackendStatus {
  /** Latest report from the train worker; null until it is ready. */
  report: BackendReport | null;
  /** The user's persisted choice. */
  requested: BackendChoice;
  /** A (re)selection is in progress. */
  pending: boolean;
  error: string | null;
}

export interface AppState {
  route: Route;
  /** What follows '?' in the hash (e.g. a shared config), kept as a string. */
  routeQuery: string;
  theme: Theme;
  backend: BackendStatus;
  sim: SimStatus;
  helpOpen: boolean;
}

const BACKEND_KEY = 'dppo.backend';
const THEME_KEY = 'dppo.theme';
const CHOICES: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

function readStorage(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Storage can be disabled (private mode); the choice then lasts for this page only.
  }
}

/** The persisted backend choice ('auto' when none or unknown). */
export function loadBackendChoice(): BackendChoice {
  const v = readStorage(BACKEND_KEY);
  return CHOICES.includes(v as BackendChoice) ? (v as BackendChoice) : 'auto';
}

function loadTheme(): Theme {
  return readStorage(THEME_KEY) === 'light' ? 'light' : 'dark';
}

/** '#/datasets?x=1' → { route: 'datasets', query: 'x=1' }; unknown paths go to Experiments. */
export function parseHash(hash: string): { route: Route; query: string } {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const path = (q < 0 ? body : body.slice(0, q)).replace(/\/+$/, '');
  const route = (ROUTES as readonly string[]).includes(path) ? (path as Route) : 'experiments';
  return { route, query: q < 0 ? '' : body.slice(q + 1) };
}

export function routeHref(route: Route, query = ''): string {
  return `#/${route}${query ? `?${query}` : ''}`;
}

const initialHash = parseHash(globalThis.location?.hash ?? '');

export const useApp = create<AppState>()(() => ({
  route: initialHash.route,
  routeQuery: initialHash.query,
  theme: loadTheme(),
  backend: { report: null, requested: loadBackendChoice(), pending: true, error: null },
  sim: { scene: null, playing: true, mujocoVersion: null, error: null },
  helpOpen: false,
}));

/** Follows the location hash (links are plain `<a href="#/…">`). */
export function syncRouteFromHash(): void {
  const { route, query } = parseHash(location.hash);
  useApp.setState({ route, routeQuery: query });
}

export function navigate(route: Route, query = ''): void {
  location.hash = routeHref(route, query);
}

export function setTheme(theme: Theme): void {
  writeStorage(THEME_KEY, theme);
  useApp.setState({ theme });
}

export function toggleTheme(): void {
  setTheme(useApp.getState().theme === 'dark' ? 'light' : 'dark');
}

export function setHelpOpen(open: boolean): void {
  useApp.setState({ helpOpen: open });
}

/** Persists the user's backend choice and asks the train worker to switch. */
export function requestBackend(choice: BackendChoice): void {
  writeStorage(BACKEND_KEY, choice);
  useApp.setState((s) => ({ backend: { ...s.backend, requested: choice, pending: true, error: null } }));
  getClients().train.setBackend(choice);
}

export function backendReported(report: BackendReport): void {
  useApp.setState((s) => ({ backend: { ...s.backend, report, pending: false, error: null } }));
}

export function backendFailed(message: string): void {
  useApp.setState((s) => ({ backend: { ...s.backend, pending: false, error: message } }));
}

export function setSimStatus(patch: Partial<SimStatus>): void {
  useApp.setState((s) => ({ sim: { ...s.sim, ...patch } }));
}
