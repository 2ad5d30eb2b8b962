// The dashboard webview: four views (experiment form with its Study section, a run's charts and
// predictions, the comparison, a study), fed by the host's messages. It says `ready` first; the host posts nothing before.
import { DEMO_CONFIG } from '../src/cli/demo-config';
import type { DashboardFocus, DashboardRunItem, DashboardView, HostToWebview } from '../src/shared/protocol';
import { RunCharts } from './charts';
import { CompareView } from './compare';
import { h, replaceChildren } from './dom';
import { ConfigForm } from './form';
import type { FormConfig } from './form-model';
import { PredictionsView } from './predictions';
import { KnowledgeView } from './knowledge-view';
import { applyEvent, runFromHistory, type RunState } from './run-state';
import { runSeries } from './series';
import { StudyForm } from './study-form';
import { StudyView } from './study-view';
import { applyChartDefaults, onThemeChange, readTheme } from './theme';
import { rateInterval, Throttle } from '../src/shared/throttle';
import { loadState, onHostMessage, post, saveState } from './vscode-api';

const VIEWS: { view: DashboardView; label: string }[] = [
  { view: 'form', label: 'Experiment' },
  { view: 'run', label: 'Run' },
  { view: 'compare', label: 'Compare' },
  { view: 'study', label: 'Study' },
];

class Dashboard {
  private theme = readTheme();
  private readonly saved = loadState();
  private view: DashboardView = 'form';
  private runs: DashboardRunItem[] = [];
  private run: RunState | undefined;
  private requestedRun: string | undefined;
  private dirty = { charts: false, predictions: false, status: false };

  private readonly tabs = new Map<DashboardView, HTMLButtonElement>();
  private readonly panels = new Map<DashboardView, HTMLElement>();
  private readonly form = new ConfigForm(this.saved.form ?? (structuredClone(DEMO_CONFIG) as FormConfig), {
    post,
    changed: (form) => {
      saveState({ form });
      this.studyForm?.refresh();
    },
  });
  private readonly studyForm: StudyForm = new StudyForm(this.saved.study, {
    post,
    config: () => this.form.current,
    changed: (study) => saveState({ study }),
  });
  private readonly study: StudyView;
  private readonly charts: RunCharts;
  private readonly predictions: PredictionsView;
  private readonly knowledge: KnowledgeView;
  private readonly compare: CompareView;
  private readonly runSelect = h('select', { id: 'run-select', 'aria-label': 'Run' });
  private readonly status = h('div', { class: 'run-status', id: 'run-status', role: 'status' });
  private readonly progress = h('progress', { id: 'run-progress', max: 1, value: 0, hidden: true });
  private readonly notice = h('div', { class: 'notice', role: 'status', hidden: true });
  private updatesPerSecond = 4;
  private readonly throttle = new Throttle(
    () => this.flush(),
    () => rateInterval(this.updatesPerSecond),
  );

  constructor(root: HTMLElement) {
    applyChartDefaults(this.theme);
    this.charts = new RunCharts(this.theme, this.saved.smoothing, (smoothing) => {
      saveState({ smoothing });
      this.markDirty('charts');
    });
    this.predictions = new PredictionsView(this.theme);
    this.knowledge = new KnowledgeView(
      this.theme,
      (runDir) => post({ type: 'requestKnowledge', runDir }),
      (runDir, sample) => post({ type: 'requestAttention', runDir, sample }),
    );
    this.compare = new CompareView(this.theme, () => post({ type: 'requestCompare' }));
    this.study = new StudyView(this.theme, {
      open: (studyDir) => this.openStudy(studyDir, true),
      action: (action, studyDir) => post({ type: 'studyAction', action, studyDir }),
      refreshList: () => post({ type: 'requestStudies' }),
      openRun: (runDir) => this.focus({ view: 'run', runDir }),
    });
    this.runSelect.addEventListener('change', () => this.openRun(this.runSelect.value));

    const tablist = h('nav', { class: 'tabs', role: 'tablist' });
    for (const { view, label } of VIEWS) {
      const tab = h('button', { type: 'button', role: 'tab', id: `tab-${view}`, 'aria-controls': `view-${view}`, onclick: () => this.showTab(view) }, label);
      this.tabs.set(view, tab);
      tablist.append(tab);
    }
    this.panels.set('form', h('section', { id: 'view-form', role: 'tabpanel' }, this.form.element, this.studyForm.element));
    this.panels.set(
      'run',
      h(
        'section',
        { id: 'view-run', role: 'tabpanel' },
        h(
          'div',
          { class: 'toolbar' },
          h('label', { for: 'run-select' }, 'Run'),
          this.runSelect,
          h('button', { type: 'button', class: 'secondary', onclick: () => post({ type: 'refreshRuns' }) }, 'Refresh'),
        ),
        h('div', { class: 'run-line' }, this.status, this.progress),
        this.charts.controls,
        this.charts.element,
        this.predictions.element,
        this.knowledge.element,
      ),
    );
    this.panels.set('compare', h('section', { id: 'view-compare', role: 'tabpanel' }, this.compare.element));
    this.panels.set('study', h('section', { id: 'view-study', role: 'tabpanel' }, this.study.element));
    root.append(h('header', { class: 'top' }, tablist, this.notice), ...this.panels.values());

    onThemeChange(() => {
      this.theme = readTheme();
      applyChartDefaults(this.theme);
      this.charts.retheme(this.theme);
      this.predictions.retheme(this.theme);
      this.knowledge.retheme(this.theme);
      this.compare.retheme(this.theme);
      this.study.retheme(this.theme);
    });
    this.showView(this.saved.view ?? 'form');
    this.renderStatus();
    onHostMessage((message) => this.receive(message));
    post({ type: 'ready' });
  }

  private receive(message: HostToWebview): void {
    switch (message.type) {
      case 'init':
        this.updatesPerSecond = message.uiUpdatesPerSecond;
        this.setRuns(message.runs);
        // Without a focus from the host (a reload), the view and run shown before, if that run still exists.
        if (message.focus) this.focus(message.focus);
        else if (this.saved.view === 'study') this.showTab('study');
        else this.focus({ view: this.saved.view ?? 'form', runDir: this.runs.find((r) => r.runDir === this.saved.runDir)?.runDir });
        return;
      case 'focus':
        this.focus(message.focus);
        return;
      case 'runs':
        this.setRuns(message.runs);
        if (this.view === 'compare') post({ type: 'requestCompare' });
        return;
      case 'runHistory':
        if (message.history.runDir !== this.requestedRun) return;
        this.run = runFromHistory(message.history);
        this.knowledge.setRun(message.history.runDir, message.history.config);
        this.markDirty('charts', 'predictions', 'status');
        return;
      case 'runEvent': {
        if (!this.run || message.runDir !== this.run.runDir) return;
        applyEvent(this.run, message.event);
        if (message.event.type === 'finished') this.knowledge.refresh();
        const type = message.event.type;
        this.markDirty(
          ...(type === 'epoch'
            ? (['charts', 'status'] as const)
            : type === 'steps'
              ? (['charts'] as const)
              : type === 'predictions' || type === 'predictionInputs'
                ? (['predictions'] as const)
                : (['status'] as const)),
        );
        return;
      }
      case 'knowledge':
        this.knowledge.receive(message);
        this.compare.knowledge.receive(message);
        return;
      case 'attention':
        this.knowledge.receiveAttention(message);
        return;
      case 'studyData':
        this.study.receive(message);
        return;
      case 'studies':
        this.study.setStudies(message.studies);
        return;
      case 'studyProblems':
        this.studyForm.showProblems(message.problems);
        this.showView('form');
        return;
      case 'compareData':
        this.compare.setRuns(message.runs);
        return;
      case 'configLoaded':
        if (message.config && typeof message.config === 'object' && !Array.isArray(message.config)) {
          this.form.setConfig(message.config as FormConfig);
          this.showNotice(`Loaded ${message.file}`);
        } else {
          this.showNotice(`${message.file} does not hold a config object`);
        }
        this.showView('form');
        return;
      case 'configProblems':
        this.form.showProblems(message.problems);
        this.showView('form');
        return;
      case 'pathPicked':
        this.form.setValue(message.field, message.path);
        return;
      case 'requestFormConfig':
        post({ type: 'formConfig', requestId: message.requestId, config: structuredClone(this.form.current) });
        return;
      case 'notice':
        this.showNotice(message.message, message.level);
        this.form.refresh();
        return;
    }
  }

  /** A tab's click: the view as it was; the study view reopens the study shown before, if any. */
  private showTab(view: DashboardView): void {
    if (view !== 'study') return this.focus({ view });
    this.showView('study');
    post({ type: 'requestStudies' });
    const studyDir = this.study.current ?? this.saved.studyDir;
    if (studyDir) this.openStudy(studyDir, this.study.current === undefined);
  }

  /** Asks the host for a study (again with `reload`, or when another is shown). */
  private openStudy(studyDir: string, reload = false): void {
    if (studyDir === this.study.current && !reload) return;
    this.study.opening(studyDir);
    saveState({ studyDir });
    post({ type: 'openStudy', studyDir });
  }

  private focus(focus: DashboardFocus): void {
    this.showView(focus.view);
    if (focus.view === 'study') {
      post({ type: 'requestStudies' });
      this.openStudy(focus.studyDir, true);
      return;
    }
    if (focus.runDir) {
      this.form.refresh();
      this.openRun(focus.runDir);
    } else if (focus.view === 'run' && !this.requestedRun) {
      // The run shown before a reload if it still exists, else the newest.
      const run = this.runs.find((r) => r.runDir === this.saved.runDir) ?? this.runs[0];
      if (run) this.openRun(run.runDir);
    }
    if (focus.view === 'compare') post({ type: 'requestCompare' });
  }

  private showView(view: DashboardView): void {
    this.view = view;
    for (const [name, panel] of this.panels) panel.hidden = name !== view;
    for (const [name, tab] of this.tabs) {
      tab.setAttribute('aria-selected', String(name === view));
      tab.tabIndex = name === view ? 0 : -1;
    }
    saveState({ view });
  }

  private openRun(runDir: string): void {
    if (runDir === this.requestedRun) return;
    this.requestedRun = runDir;
    this.run = undefined;
    this.runSelect.value = runDir;
    saveState({ runDir });
    this.markDirty('charts', 'predictions', 'status');
    post({ type: 'openRun', runDir });
  }

  private setRuns(runs: DashboardRunItem[]): void {
    this.runs = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    replaceChildren(
      this.runSelect,
      ...(this.requestedRun && !this.runs.some((r) => r.runDir === this.requestedRun) ? [h('option', { value: this.requestedRun }, this.requestedRun)] : []),
      ...this.runs.map((r) => h('option', { value: r.runDir }, `${r.experiment} · ${r.id.replace(/^run-/, '')} · ${r.method} · ${r.status}`)),
    );
    if (this.requestedRun) this.runSelect.value = this.requestedRun;
    if (this.runs.length === 0 && !this.requestedRun) this.runSelect.append(h('option', { value: '' }, 'No runs yet'));
  }

  private markDirty(...parts: (keyof Dashboard['dirty'])[]): void {
    for (const part of parts) this.dirty[part] = true;
    this.throttle.request();
  }

  /** At most uiUpdatesPerSecond times a second, whatever the event rate. */
  private flush(): void {
    const run = this.run;
    if (this.dirty.charts) this.charts.update(run ? runSeries(run) : { loss: [], accuracy: [], agreement: [] }, run?.phases ?? []);
    if (this.dirty.predictions) this.predictions.setRun(run);
    if (this.dirty.status) this.renderStatus();
    this.dirty = { charts: false, predictions: false, status: false };
  }

  private renderStatus(): void {
    const run = this.run;
    if (!run) {
      this.status.textContent = this.requestedRun ? 'Loading the run…' : 'No run open: start one from the Experiment tab, or pick one above.';
      this.progress.hidden = true;
      return;
    }
    const p = run.progress;
    const latest = [...run.epochs.values()].at(-1);
    const parts = [
      run.status,
      p ? `${p.phase} · epoch ${p.epoch}/${p.epochs} · step ${p.step}/${p.steps}` : latest ? `${latest.phase} · epoch ${latest.epoch}/${latest.epochs}` : '',
      run.error ? `error: ${run.error}` : '',
    ].filter(Boolean);
    this.status.textContent = parts.join(' — ');
    this.status.dataset.status = run.status;
    this.progress.hidden = !p;
    if (p) this.progress.value = p.steps ? (p.epoch - 1 + p.step / p.steps) / p.epochs : 0;
  }

  private showNotice(text: string, level: 'info' | 'error' = 'info'): void {
    this.notice.textContent = text;
    this.notice.dataset.level = level;
    this.notice.hidden = false;
  }
}

new Dashboard(document.getElementById('app') ?? document.body);
