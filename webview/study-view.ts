// The study view: progress of the members, the study table (sortable by any column), the Δ chart
// and, for parameter sweeps, accuracy against the swept values. Redrawn whole from each
// `studyData` the host sends (on open, and whenever the study's run folders change).
import type { DashboardStudy, DashboardStudyItem, DashboardStudyRow, HostToWebview } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { StudyCharts } from './study-charts';
import { deltaText, percentText, secondsText, sortStudyRows, STUDY_COLUMNS, studyProgress, testText } from './study-model';
import { nextSort, sortableHeader, type SortState } from './sortable';
import type { Theme } from './theme';

export interface StudyViewHost {
  open(studyDir: string): void;
  /** The host's Export Study Table… / Stop Study / Resume Study on the study shown. */
  action(action: 'export' | 'stop' | 'resume', studyDir: string): void;
  refreshList(): void;
  /** Shows a member's run in the run view. */
  openRun(runDir: string): void;
}

export class StudyView {
  readonly element = h('section', { class: 'study', 'aria-label': 'Study' });
  private readonly select = h('select', { id: 'study-select', 'aria-label': 'Study' });
  private readonly status = h('div', { class: 'run-status', id: 'study-status', role: 'status' });
  private readonly progress = h('progress', { id: 'study-progress', max: 1, value: 0 });
  private readonly table = h('table', { class: 'compare-table study-table', id: 'study-table' });
  private readonly members = h('ul', { class: 'study-members', id: 'study-members' });
  private readonly body = h('div', { class: 'study-body', hidden: true });
  private readonly actions = {
    export: h('button', { type: 'button', class: 'secondary', id: 'study-export', title: 'Save the table as CSV or Markdown' }, 'Export table…'),
    resume: h('button', { type: 'button', class: 'secondary', id: 'study-resume', title: 'Train the members without a completed run' }, 'Resume'),
    stop: h('button', { type: 'button', class: 'secondary', id: 'study-stop', title: 'Stop the study’s running members' }, 'Stop'),
  };
  private readonly charts: StudyCharts;
  private study: DashboardStudy | undefined;
  private studyDir: string | undefined;
  private studies: DashboardStudyItem[] = [];
  private sort: SortState = { key: 'delta', direction: 'descending' };

  constructor(
    theme: Theme,
    private readonly host: StudyViewHost,
  ) {
    this.charts = new StudyCharts(theme);
    this.select.addEventListener('change', () => this.select.value && host.open(this.select.value));
    for (const [action, button] of Object.entries(this.actions)) {
      button.addEventListener('click', () => this.study && host.action(action as keyof StudyView['actions'], this.study.studyDir));
    }
    this.body.append(
      h('div', { class: 'table-scroll' }, this.table),
      h('p', { class: 'hint' }, '* the 95 % interval of the paired difference (over seeds, Student’s t) excludes 0. The teacher and the baselines stay on top.'),
      this.charts.element,
      h('details', { class: 'study-member-list' }, h('summary', {}, 'Members'), this.members),
    );
    this.element.append(
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'study-select' }, 'Study'),
        this.select,
        h('button', { type: 'button', class: 'secondary', onclick: () => (this.studyDir ? host.open(this.studyDir) : host.refreshList()) }, 'Refresh'),
        ...Object.values(this.actions),
      ),
      h('div', { class: 'run-line' }, this.status, this.progress),
      this.body,
    );
    this.renderStatus();
  }

  get current(): string | undefined {
    return this.studyDir;
  }

  /** A study was asked for: its data follows in a `studyData`. */
  opening(studyDir: string): void {
    if (studyDir !== this.studyDir) this.study = undefined;
    this.studyDir = studyDir;
    this.renderSelect();
    this.renderStatus();
  }

  setStudies(studies: DashboardStudyItem[]): void {
    this.studies = studies;
    this.renderSelect();
    this.renderStatus();
  }

  receive(message: Extract<HostToWebview, { type: 'studyData' }>): void {
    if (message.studyDir !== this.studyDir) return;
    this.study = message.study;
    this.body.hidden = !message.study;
    if (message.problem) {
      this.status.textContent = message.problem;
      this.status.dataset.status = 'failed';
      this.progress.hidden = true;
      return;
    }
    this.render();
  }

  retheme(theme: Theme): void {
    this.charts.retheme(theme);
  }

  private sortBy(key: string): void {
    this.sort = nextSort(this.sort, key);
    this.render();
  }

  private render(): void {
    const study = this.study;
    if (!study) return;
    const rows = sortStudyRows(study.rows, this.sort.key, this.sort.direction);
    this.renderTable(rows);
    this.charts.update(study, rows);
    replaceChildren(
      this.members,
      ...study.members.map((m) =>
        h(
          'li',
          { 'data-member': m.id, 'data-status': m.status },
          m.runDir ? h('button', { type: 'button', class: 'link', onclick: () => this.host.openRun(m.runDir!) }, m.id) : m.id,
          ` · seed ${m.seed} · ${m.status}${m.testAccuracy !== null ? ` · test ${percentText(m.testAccuracy)}` : ''}`,
        ),
      ),
    );
    this.renderStatus();
  }

  private renderTable(rows: DashboardStudyRow[]): void {
    const header = sortableHeader(STUDY_COLUMNS, this.sort, (key) => this.sortBy(key));
    const body = rows.map((row) =>
      h(
        'tr',
        { 'data-row': row.label, 'data-role': row.role },
        ...STUDY_COLUMNS.map((column) => {
          const significant = column.key === 'delta' && row.delta?.excludesZero;
          return h('td', { 'data-column': column.key, class: [column.numeric ? 'num' : '', significant ? 'significant' : ''].filter(Boolean).join(' ') || undefined }, cell(row, column.key));
        }),
      ),
    );
    replaceChildren(this.table, h('thead', {}, header), h('tbody', {}, ...body));
  }

  private renderSelect(): void {
    const known = this.studies.some((s) => s.studyDir === this.studyDir);
    replaceChildren(
      this.select,
      ...(this.studyDir && !known ? [h('option', { value: this.studyDir }, this.studyDir)] : []),
      ...this.studies.map((s) => h('option', { value: s.studyDir }, s.name)),
      ...(this.studies.length === 0 && !this.studyDir ? [h('option', { value: '' }, 'No studies yet')] : []),
    );
    if (this.studyDir) this.select.value = this.studyDir;
  }

  private renderStatus(): void {
    const study = this.study;
    const p = study && studyProgress(study.members);
    this.actions.export.disabled = !study;
    this.actions.stop.disabled = !study?.active;
    this.actions.resume.disabled = !study || !p || study.active || p.completed === p.total;
    if (!study || !p) {
      this.status.textContent = this.studyDir ? 'Loading the study…' : 'No study open: start one from the Study section of the Experiment tab (or `distill-lab study`), or pick one above.';
      delete this.status.dataset.status;
      this.progress.hidden = true;
      return;
    }
    const waiting = study.members.some((m) => m.status === 'waiting');
    const parts = [`${study.name}: ${p.completed} of ${p.total} members completed`, `${p.running} running`, `${p.queued} ${study.active || !waiting ? 'queued' : 'not started'}`, `${p.failed} failed`];
    this.status.textContent = parts.join(' · ');
    this.status.dataset.status = p.running > 0 || study.active ? 'running' : p.failed > 0 ? 'failed' : p.completed === p.total ? 'completed' : 'queued';
    this.status.dataset.completed = String(p.completed);
    this.status.dataset.running = String(p.running);
    this.status.dataset.queued = String(p.queued);
    this.status.dataset.failed = String(p.failed);
    this.progress.hidden = false;
    this.progress.value = p.total ? (p.completed + p.failed) / p.total : 0;
  }
}

function cell(row: DashboardStudyRow, key: string): string {
  switch (key) {
    case 'label':
      return row.notes.length ? `${row.label} (${row.notes.join('; ')})` : row.label;
    case 'seeds':
      return `${row.completed}/${row.members}`;
    case 'test':
      return testText(row);
    case 'delta':
      return deltaText(row);
    case 'best':
      return percentText(row.bestVal);
    case 'last':
      return percentText(row.lastVal);
    case 'agreement':
      return percentText(row.agreement);
    case 'wall':
      return secondsText(row.wallTimeSec);
    case 'failed':
      return String(row.failed);
    default:
      return '';
  }
}
