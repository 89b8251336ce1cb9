/** App shell: header, routed page, status bar. Routes are hash routes (#/experiments, #/datasets, …). */
import { useEffect, type ReactElement } from 'react';
import { ConnectorPage } from '../features/connector/ConnectorPage';
import { DatasetsPage } from '../features/datasets/DatasetsPage';
import { ExperimentsPage } from '../features/experiments/ExperimentsPage';
import { InspectorPage } from '../features/inspector/InspectorPage';
import { PoliciesPage } from '../features/policies/PoliciesPage';
import { setHelpOpen, syncRouteFromHash, useApp, type Route } from '../state/app';
import { Header } from './Header';
import { HelpDialog } from './HelpDialog';
import { StatusBar } from './StatusBar';

const PAGES: Record<Route, () => ReactElement> = {
  experiments: ExperimentsPage,
  inspector: InspectorPage,
  datasets: DatasetsPage,
  policies: PoliciesPage,
  connector: ConnectorPage,
};

export function App() {
  const route = useApp((s) => s.route);
  const theme = useApp((s) => s.theme);

  useEffect(() => {
    window.addEventListener('hashchange', syncRouteFromHash);
    return () => window.removeEventListener('hashchange', syncRouteFromHash);
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable)) return;
      if (e.key === '?') setHelpOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const Page = PAGES[route];
  return (
    <div className="app">
      <Header />
      <main className="app-main" id="main" data-route={route}>
        <Page />
      </main>
      <StatusBar />
      <HelpDialog />
    </div>
  );
}
