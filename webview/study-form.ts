// The form's Study section: methods (checkboxes), seeds, swept parameters (a field path and its
// values), and the number of runs the study will start, counted by the expansion that runs it.
// Run posts the study; the host parses it again and hands it to `distill.startStudy`.
import type { WebviewToHost } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import type { FormConfig } from './form-model';
import { methodDescriptors } from './methods';
import { buildStudy, checkStudy, countText, EMPTY_DRAFT, type StudyDraft } from './study-form-model';

/** Fields a study may sweep besides the methods' own parameters (suggested; any sweepable path is accepted). */
const SUGGESTED_FIELDS = ['train.learningRate', 'train.epochs', 'train.batchSize', 'train.weightDecay', 'student.model.hidden', 'student.model.widths', 'recipe'];

export interface StudyFormHost {
  post(message: WebviewToHost): void;
  /** The experiment form's config, the study's base. */
  config(): FormConfig;
  /** The section changed (saved with the webview state). */
  changed(draft: StudyDraft): void;
}

export class StudyForm {
  readonly element = h('details', { class: 'study-section', id: 'study-section' });
  private readonly methodsBox = h('div', { class: 'study-methods', role: 'group', 'aria-labelledby': 'study-methods-label' });
  private readonly seeds = h('input', { type: 'text', id: 'study-seeds', spellcheck: 'false', 'aria-describedby': 'study-seeds-help' });
  private readonly name = h('input', { type: 'text', id: 'study-name', spellcheck: 'false' });
  private readonly params = h('div', { class: 'study-params' });
  private readonly fields = h('datalist', { id: 'study-fields' });
  private readonly count = h('div', { class: 'study-count', id: 'study-count', role: 'status' });
  private readonly problems = h('ul', { class: 'study-problems', id: 'study-problems', hidden: true });
  private readonly runButton = h('button', { type: 'button', class: 'primary', id: 'study-run' }, 'Run study');
  private hostProblems: string[] = [];
  private draft: StudyDraft;

  constructor(
    draft: StudyDraft | undefined,
    private readonly host: StudyFormHost,
  ) {
    this.draft = structuredClone(draft ?? EMPTY_DRAFT);
    if (this.draft.methods.length === 0) {
      const current = (host.config().method as { name?: unknown } | undefined)?.name;
      if (typeof current === 'string' && current !== 'teacher' && current !== 'scratch') this.draft.methods = [current];
    }
    this.seeds.value = this.draft.seeds;
    this.name.value = this.draft.name;
    this.seeds.addEventListener('input', () => this.edit({ seeds: this.seeds.value }));
    this.name.addEventListener('input', () => this.edit({ name: this.name.value }));
    this.runButton.addEventListener('click', () => this.run());
    this.element.addEventListener('toggle', () => this.refresh());
    for (const method of methodDescriptors()) {
      if (method.name === 'teacher' || method.name === 'scratch') continue;
      const box = h('input', { type: 'checkbox', id: `study-method-${method.name}`, value: method.name, checked: this.draft.methods.includes(method.name) });
      box.addEventListener('change', () => {
        const ticked = Array.from(this.methodsBox.querySelectorAll<HTMLInputElement>('input:checked')).map((b) => b.value);
        this.edit({ methods: ticked });
      });
      this.methodsBox.append(h('label', { class: 'study-method', for: box.id, title: method.summary }, box, ` ${method.label}`));
    }
    this.element.append(
      h('summary', {}, 'Study: compare methods × seeds × parameters'),
      h(
        'p',
        { class: 'hint' },
        'Runs the experiment above once per method, seed and parameter value; the teacher is trained once and shared, and each seed’s scratch baseline is shared by every method of that seed.',
      ),
      h('div', { class: 'field' }, h('span', { class: 'label', id: 'study-methods-label' }, 'Methods'), this.methodsBox),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'study-seeds' }, 'Seeds'),
        this.seeds,
        h('div', { class: 'help', id: 'study-seeds-help' }, 'Each seed trains its own scratch baseline; Δ and its 95 % interval are paired over seeds, so give at least two.'),
      ),
      h(
        'div',
        { class: 'field' },
        h('span', { class: 'label' }, 'Parameters to vary'),
        this.params,
        h('button', { type: 'button', class: 'secondary', id: 'study-add-param', onclick: () => this.edit({ params: [...this.draft.params, { path: '', values: '' }] }, true) }, 'Add parameter'),
        h('div', { class: 'help' }, 'A config field and its values, comma-separated (method.temperature: 2, 4, 8) or a JSON array ([[64], [128]]); every combination is tried.'),
        this.fields,
      ),
      h('div', { class: 'field' }, h('label', { for: 'study-name' }, 'Study name'), this.name),
      h('div', { class: 'form-actions' }, this.runButton, this.count),
      this.problems,
    );
    this.renderParams();
    this.refresh();
  }

  get current(): StudyDraft {
    return this.draft;
  }

  /** The form or the section changed: the count and the problems again (while the section is open: expanding a large study takes a while). */
  refresh(): void {
    if (!this.element.open) return;
    this.name.placeholder = buildStudy(this.host.config(), { ...this.draft, name: '' }).name ?? '';
    this.renderSuggestions();
    const check = checkStudy(buildStudy(this.host.config(), this.draft));
    const problems = check.ok ? this.hostProblems : check.problems;
    replaceChildren(this.problems, ...problems.map((p) => h('li', {}, p)));
    this.problems.hidden = problems.length === 0;
    this.runButton.disabled = problems.length > 0;
    this.count.textContent = check.ok ? countText(check.count) : `${check.problems.length} problem${check.problems.length > 1 ? 's' : ''} to fix before the study can run`;
    this.count.dataset.count = check.ok ? String(check.count.total) : '';
  }

  /** Problems the host found in the study it was sent (the same checks, so the same wording). */
  showProblems(problems: string[]): void {
    this.hostProblems = problems;
    this.element.open = true;
    this.refresh();
  }

  private edit(patch: Partial<StudyDraft>, structural = false): void {
    this.draft = { ...this.draft, ...patch };
    this.hostProblems = [];
    if (structural) this.renderParams();
    this.refresh();
    this.host.changed(this.draft);
  }

  private run(): void {
    const input = buildStudy(this.host.config(), this.draft);
    if (!checkStudy(input).ok) return this.refresh();
    this.count.textContent = 'Starting the study…';
    this.host.post({ type: 'startStudy', study: input as Record<string, unknown> });
  }

  private renderParams(): void {
    replaceChildren(
      this.params,
      ...this.draft.params.map((param, i) => {
        const update = (patch: Partial<typeof param>) => this.edit({ params: this.draft.params.map((p, j) => (j === i ? { ...p, ...patch } : p)) });
        const path = h('input', {
          type: 'text',
          class: 'study-param-path',
          id: `study-param-path-${i}`,
          list: 'study-fields',
          spellcheck: 'false',
          value: param.path,
          placeholder: 'method.temperature',
          'aria-label': `Parameter ${i + 1}: field`,
        });
        const values = h('input', {
          type: 'text',
          class: 'study-param-values',
          id: `study-param-values-${i}`,
          spellcheck: 'false',
          value: param.values,
          placeholder: '2, 4, 8',
          'aria-label': `Parameter ${i + 1}: values`,
        });
        path.addEventListener('input', () => update({ path: path.value }));
        values.addEventListener('input', () => update({ values: values.value }));
        const remove = h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': `Remove parameter ${i + 1}`, onclick: () => this.edit({ params: this.draft.params.filter((_, j) => j !== i) }, true) },
          'Remove',
        );
        return h('div', { class: 'study-param' }, path, values, remove);
      }),
    );
  }

  /** The field list offered for a parameter: the ticked methods' own parameters, then the training fields. */
  private renderSuggestions(): void {
    const methods = methodDescriptors().filter((m) => this.draft.methods.includes(m.name));
    const paths = [...new Set([...methods.flatMap((m) => m.params.filter((p) => p.kind !== 'dataset').map((p) => `method.${p.key}`)), ...SUGGESTED_FIELDS])];
    if (this.fields.childElementCount === paths.length && Array.from(this.fields.children).every((o, i) => (o as HTMLOptionElement).value === paths[i])) return;
    replaceChildren(this.fields, ...paths.map((path) => h('option', { value: path })));
  }
}
