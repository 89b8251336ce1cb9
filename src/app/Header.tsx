import { routeHref, setHelpOpen, toggleTheme, useApp, type Route } from '../state/app';
import { Button } from '../ui/Button';
import { BackendMenu } from './BackendMenu';

const NAV: { route: Route; label: string }[] = [
  { route: 'experiments', label: 'Experiments' },
  { route: 'inspector', label: 'Inspector' },
  { route: 'datasets', label: 'Datasets' },
  { route: 'policies', label: 'Policies' },
  { route: 'connector', label: 'Connector' },
];

export function Header() {
  const route = useApp((s) => s.route);
  const theme = useApp((s) => s.theme);
  return (
    <header className="app-header">
      <a className="brand" href={routeHref('experiments')}>
        <span className="brand-mark" aria-hidden="true">◆</span>
        DPPO Workbench
        <span className="brand-sub">diffusion policy policy optimization</span>
      </a>
      <nav className="nav" aria-label="Pages">
        {NAV.map((n) => (
          <a key={n.route} href={routeHref(n.route)} aria-current={route === n.route ? 'page' : undefined} data-testid={`nav-${n.route}`}>
            {n.label}
          </a>
        ))}
      </nav>
      <div className="header-spacer" />
      <div className="header-tools">
        <BackendMenu />
        <Button small variant="ghost" onClick={toggleTheme} title="Switch between dark and light theme" data-testid="theme-toggle">
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </Button>
        <Button small variant="ghost" onClick={() => setHelpOpen(true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          ?
        </Button>
      </div>
    </header>
  );
}
