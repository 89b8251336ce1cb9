/** Route component of #/experiments (the view lives in ExperimentsView.tsx). */
export { ExperimentsView as ExperimentsPage } from './ExperimentsView';
