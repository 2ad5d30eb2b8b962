// The dashboard as the extension sees it; see panel.ts for how to wire it.
export { DASHBOARD_VIEW_TYPE, DashboardPanel, registerDashboardSerializer, type DashboardDeps } from './panel';
export type { DashboardDialogs } from './dialogs';
