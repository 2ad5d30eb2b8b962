// The webview's side of the channel. acquireVsCodeApi is given by VS Code (and faked by the
// Chromium tests); messages are the protocol's unions.
import type { DashboardView, HostToWebview, WebviewToHost } from '../src/shared/protocol';
import type { FormConfig } from './form-model';
import type { StudyDraft } from './study-form-model';

/** What survives the panel being hidden, or VS Code reloading (getState/setState). */
export interface SavedState {
  view?: DashboardView;
  runDir?: string;
  form?: FormConfig;
  /** The Study section of the form, as typed. */
  study?: StudyDraft;
  /** The study the study view showed. */
  studyDir?: string;
  /** The charts' smoothing weight. */
  smoothing?: number;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

export function loadState(): SavedState {
  const state = api.getState();
  return state && typeof state === 'object' ? (state as SavedState) : {};
}

export function saveState(patch: Partial<SavedState>): void {
  api.setState({ ...loadState(), ...patch });
}

export function onHostMessage(handler: (message: HostToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const message = event.data as HostToWebview | undefined;
    if (message && typeof message === 'object' && typeof message.type === 'string') handler(message);
  });
}
