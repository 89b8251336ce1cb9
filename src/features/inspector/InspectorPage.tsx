/** Route component of #/inspector (the view lives in InspectorView.tsx). */
export { InspectorView as InspectorPage } from './InspectorView';
