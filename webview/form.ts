// The experiment form: method (parameters from the table in methods.ts), dataset, teacher and
// student architectures, training. Every change is validated by the engine's own schema and the
// problems are shown under the fields they name.
import { modelKindProblem } from '../src/shared/methods';
import { BUILTIN_TEXT_DATASET, DatasetSpec, ExperimentConfig, MethodConfig, ModelSpec, OptimizerConfig, RECIPES, RecipeName, ScheduleConfig, type WebviewToHost } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { archFits, builtinDataset, dataKindOf, fieldDefault, fitToData, fitToMethod, type ModelKind } from './form-kinds';
import { formatValue, getAt, mapProblems, parseListText, parseNumberText, setAt, validate, type FormConfig } from './form-model';
import { methodDescriptor, methodDescriptors, methodUses } from './methods';
import { formatModels, parseModel, parseModels } from './model-text';
import { defaultOf, fieldSchema, literalChoices, variantDefaults, variantNames, variantOf } from './schema-defaults';

type FieldKind = 'number' | 'list' | 'text' | 'boolean' | 'file' | 'folder' | 'folders' | 'choice' | 'dataset' | 'model' | 'models';

interface FieldSpec {
  key: string;
  label: string;
  help?: string;
  kind?: FieldKind;
  /** Not set means "none" (shown as such, not as a default). */
  optional?: boolean;
  choices?: readonly (string | number)[];
}

/** The dataset picker's choice for the built-in text set (a `builtin` spec by its name). */
const TEXT_BUILTIN = `builtin:${BUILTIN_TEXT_DATASET}`;

const DATASET_LABELS: Record<string, string> = {
  builtin: 'Built-in Fashion-MNIST subset (images)',
  [TEXT_BUILTIN]: 'Built-in SpamAssassin mail (text: ham, hard ham, spam)',
  idx: 'IDX files (MNIST, Fashion-MNIST)',
  cifar10: 'CIFAR-10 binary batches',
  csv: 'CSV table',
  imageFolder: 'Image folder (one sub-folder per class)',
  text: 'Your text (CSV, TSV or JSON Lines)',
};

/** The picker's order: the two built-in sets first, then the schema's other kinds. */
const DATASET_CHOICES = ['builtin', TEXT_BUILTIN, ...variantNames(DatasetSpec).filter((kind) => kind !== 'builtin')].map((value) => ({ value, label: DATASET_LABELS[value] ?? value }));

const TEXT_LENGTH: FieldSpec = {
  key: 'maxLength',
  label: 'Tokens per text',
  help: 'Rows are cut to this many WordPiece tokens, [CLS] and [SEP] included; the models’ maxLength must be at least this.',
};
const MIN_TOKEN_COUNT: FieldSpec = {
  key: 'minTokenCount',
  label: 'Least count of a token',
  optional: true,
  help: 'A token seen fewer times in the training split reads as [UNK], which keeps the embedding table small. Not set: every token seen.',
};

const DATASET_FIELDS: Record<string, FieldSpec[]> = {
  builtin: [],
  [TEXT_BUILTIN]: [{ ...TEXT_LENGTH, optional: true, help: `${TEXT_LENGTH.help} Not set: 128.` }, MIN_TOKEN_COUNT],
  idx: [
    { key: 'trainImages', label: 'Training images', kind: 'file', help: 'An idx3-ubyte file (optionally .gz).' },
    { key: 'trainLabels', label: 'Training labels', kind: 'file', help: 'An idx1-ubyte file (optionally .gz).' },
    { key: 'testImages', label: 'Test images', kind: 'file', optional: true, help: 'Without a test split, part of the training set is held out.' },
    { key: 'testLabels', label: 'Test labels', kind: 'file', optional: true },
  ],
  cifar10: [{ key: 'dir', label: 'Folder', kind: 'folder', help: 'The folder holding data_batch_1.bin … data_batch_5.bin and test_batch.bin.' }],
  csv: [
    { key: 'train', label: 'Training table', kind: 'file', help: 'One row per sample: feature columns and a label column.' },
    { key: 'test', label: 'Test table', kind: 'file', optional: true },
    { key: 'labelColumn', label: 'Label column', kind: 'number', help: 'Its header, or its 0-based index.' },
  ],
  imageFolder: [
    { key: 'train', label: 'Training folder', kind: 'folder', help: 'One sub-folder per class, PNG or JPEG images.' },
    { key: 'test', label: 'Test folder', kind: 'folder', optional: true },
    { key: 'width', label: 'Width', help: 'Images are resized to this width.' },
    { key: 'height', label: 'Height' },
    { key: 'grayscale', label: 'Grayscale', kind: 'boolean' },
  ],
  text: [
    { key: 'train', label: 'Training text', kind: 'file', help: 'CSV or TSV with a header row, or JSON Lines (optionally .gz): one text and its label a row.' },
    { key: 'test', label: 'Test text', kind: 'file', optional: true, help: 'Without a test file, part of the training text is held out.' },
    { key: 'textField', label: 'Text field', kind: 'text', help: 'The column or key holding the text.' },
    { key: 'labelField', label: 'Label field', kind: 'text', help: 'The column or key holding the class.' },
    TEXT_LENGTH,
    MIN_TOKEN_COUNT,
  ],
};

const MODEL_FIELDS: Record<string, FieldSpec[]> = {
  mlp: [{ key: 'hidden', label: 'Hidden layers', kind: 'list', help: 'Units of each dense layer, e.g. 256, 256.' }],
  cnn: [
    { key: 'widths', label: 'Conv widths', kind: 'list', help: 'Channels of each conv block, e.g. 32, 64.' },
    { key: 'dense', label: 'Dense embedding', help: 'Units of a dense layer on the flattened last block; 0 is global average pooling.' },
  ],
  resnet: [
    { key: 'depth', label: 'Depth', kind: 'choice', help: 'CIFAR-style ResNet of 6n+2 layers.' },
    { key: 'widthMultiplier', label: 'Width multiplier', help: 'resnet32x4 is depth 32 with multiplier 4.' },
  ],
  transformer: [
    { key: 'layers', label: 'Layers', help: 'Encoder layers (BERT-base has 12; DistilBERT half as many).' },
    { key: 'hidden', label: 'Hidden size', help: 'Width of every layer; a multiple of the heads.' },
    { key: 'heads', label: 'Attention heads' },
    { key: 'intermediate', label: 'Feed-forward size', optional: true, help: 'Units of each layer’s GELU feed-forward. Not set: 4 × hidden, as BERT.' },
    { key: 'maxLength', label: 'Longest sequence', help: 'Rows of the position table: at least the data’s tokens per text.' },
    { key: 'dropout', label: 'Dropout', help: 'BERT’s hidden and attention dropout.' },
  ],
};

const OPTIMIZER_FIELDS: Record<string, FieldSpec[]> = {
  adam: [
    { key: 'beta1', label: 'β₁', help: 'Decay of the first-moment estimate.' },
    { key: 'beta2', label: 'β₂', help: 'Decay of the second-moment estimate.' },
  ],
  sgd: [{ key: 'momentum', label: 'Momentum' }],
};

const SCHEDULE_FIELDS: Record<string, FieldSpec[]> = {
  constant: [],
  step: [
    { key: 'milestones', label: 'Milestones', kind: 'list', help: 'Epochs after which the rate is multiplied by γ, e.g. 150, 180, 210.' },
    { key: 'gamma', label: 'γ' },
  ],
  'relative-step': [
    { key: 'at', label: 'At fractions of the run', kind: 'list', help: 'Shares of the epochs after which the rate is multiplied by γ; RepDistiller’s 150/180/210 of 240 are 0.625, 0.75, 0.875.' },
    { key: 'gamma', label: 'γ' },
  ],
  cosine: [{ key: 'minLearningRate', label: 'Final learning rate' }],
};

type Union = Parameters<typeof variantNames>[0];

export interface FormHost {
  post(message: WebviewToHost): void;
  /** The form changed (saved with the webview state). */
  changed(config: FormConfig): void;
}

export class ConfigForm {
  readonly element = h('form', { class: 'config-form', novalidate: true, 'aria-label': 'Experiment' });
  private readonly summary = h('div', { class: 'form-summary', role: 'status' });
  private readonly general = h('ul', { class: 'form-problems', hidden: true });
  private readonly runButton = h('button', { type: 'submit', class: 'primary', id: 'run-button' }, 'Run');
  private readonly body = h('div', { class: 'form-body' });
  /** Paths that have an input, and the slot under each for its problems. */
  private readonly errorSlots = new Map<string, HTMLElement>();
  private hostProblems: string[] = [];
  /** What the form changed by itself after a choice (models that follow the data set), until the next such choice. */
  private note?: string;

  constructor(
    private config: FormConfig,
    private readonly host: FormHost,
  ) {
    const actions = h(
      'div',
      { class: 'form-actions' },
      this.runButton,
      h('button', { type: 'button', class: 'secondary', onclick: () => host.post({ type: 'saveConfig', config: this.config }) }, 'Save config…'),
      h('button', { type: 'button', class: 'secondary', onclick: () => host.post({ type: 'loadConfig' }) }, 'Load config…'),
      this.summary,
    );
    this.element.append(actions, this.general, this.body);
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    this.render();
  }

  /** The config as typed (it may be invalid). */
  get current(): FormConfig {
    return this.config;
  }

  setConfig(config: FormConfig): void {
    this.config = config;
    this.hostProblems = [];
    this.render();
    this.host.changed(this.config);
  }

  /** A path chosen in the host's dialog; a list of folders gets it appended. */
  setValue(path: string, value: unknown): void {
    const current = getAt(this.config, path);
    setAt(this.config, path, Array.isArray(current) ? [...current, value] : value);
    this.render();
    this.host.changed(this.config);
  }

  /** Back to the validation summary (after a run started, or failed to). */
  refresh(): void {
    this.showValidation();
  }

  /** Problems the host found (the same schema, so the same wording). */
  showProblems(problems: string[]): void {
    this.hostProblems = problems;
    this.showValidation();
  }

  private run(): void {
    const result = validate(this.config);
    if (!result.ok) {
      this.showValidation();
      this.element.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    this.summary.textContent = 'Starting the run…';
    this.host.post({ type: 'startRun', config: this.config });
  }

  private edit(path: string, value: unknown, structural = false): void {
    setAt(this.config, path, value);
    this.hostProblems = [];
    if (structural) this.render();
    else this.showValidation();
    this.host.changed(this.config);
  }

  private method(): string {
    return variantOf(ExperimentConfig, 'method', 'name', this.config) ?? '';
  }

  private render(): void {
    const focused = document.activeElement?.id;
    this.errorSlots.clear();
    const method = this.method();
    const uses = methodUses(method, getAt(this.config, 'method'));
    const kind = dataKindOf(this.config);
    const fits = (arch: string) => archFits(arch, kind);
    replaceChildren(
      this.body,
      this.note ? h('p', { class: 'hint form-note', role: 'status' }, this.note) : '',
      this.section('Experiment', [
        this.field('name', { label: 'Name', kind: 'text', help: 'Runs are grouped under this name in the runs folder.' }),
        this.field('seed', { label: 'Seed', help: 'Runs of one config with different seeds are averaged in the comparison.' }),
        this.field('backend', { label: 'Backend', kind: 'choice', help: 'auto: tfjs-node, then WASM, then plain JS.' }),
        this.field('baseline', { label: 'Also train the student from scratch (baseline)', kind: 'boolean' }),
        this.field('predictionSamples', { label: 'Prediction samples', help: 'Validation samples shown with their predictions after each epoch.' }),
      ]),
      this.methodSection(method, kind),
      this.section('Data', [
        ...this.datasetFields('data.dataset', 'Dataset'),
        this.field('data.validationSplit', { label: 'Validation split', help: 'Share of the training set held out for validation, which alone chooses the best checkpoint.' }),
        this.field('data.testSplit', { label: 'Test split', help: 'Share held out for test when the data set has no test split; test is reported at the end, never used to choose.' }),
        this.field('data.splitSeed', { label: 'Split seed', help: 'Draws the hold-outs; the run’s seed never changes the split.' }),
        this.field('data.limitTrain', { label: 'Limit training samples', optional: true, help: 'Use at most this many (quick runs).' }),
        this.field('data.limitValidation', { label: 'Limit validation samples', optional: true }),
        this.field('data.limitTest', { label: 'Limit test samples', optional: true }),
      ]),
      this.section(
        'Teacher',
        [
          ...this.variantFields('teacher.model', ModelSpec, 'Architecture', MODEL_FIELDS, { fits }),
          this.field('teacher.checkpoint', { label: 'Trained teacher', kind: 'folder', optional: true, help: 'A folder with model.json; the teacher is then loaded, not trained.' }),
          this.field('teacher.train.epochs', { label: 'Teacher epochs', optional: true, help: 'When not set, the training epochs below.' }),
        ],
        !uses.teacher,
        'teacher',
      ),
      this.section('Student', this.variantFields('student.model', ModelSpec, 'Architecture', MODEL_FIELDS, { fits }), !uses.student, 'student'),
      this.section('Training', [
        this.recipeField(),
        this.field('train.epochs', { label: 'Epochs' }),
        this.field('train.batchSize', { label: 'Batch size' }),
        this.field('train.learningRate', { label: 'Learning rate' }),
        this.field('train.weightDecay', { label: 'Weight decay', help: 'L2 penalty on the weights.' }),
        ...this.variantFields('train.optimizer', OptimizerConfig, 'Optimizer', OPTIMIZER_FIELDS),
        ...this.variantFields('train.schedule', ScheduleConfig, 'Learning-rate schedule', SCHEDULE_FIELDS),
        // Token ids are not images: no crop or flip for text.
        ...(kind === 'text' ? [] : this.augmentFields()),
        this.field('train.maxStepsPerEpoch', { label: 'Max steps per epoch', optional: true, help: 'Cut epochs short (quick runs).' }),
      ]),
    );
    if (focused) document.getElementById(focused)?.focus();
    this.showValidation();
  }

  /** Choosing a recipe sets the training fields it fills; they stay editable afterwards. */
  private recipeField(): HTMLElement {
    const current = typeof getAt(this.config, 'recipe') === 'string' ? String(getAt(this.config, 'recipe')) : 'quick';
    const choices = RecipeName.options.map((name) => ({ value: name, label: RECIPES[name].title }));
    const apply = (name: string) => {
      const recipe = RECIPES[name as RecipeName];
      if (!recipe) return;
      setAt(this.config, 'recipe', name);
      const train = { ...((getAt(this.config, 'train') as Record<string, unknown> | undefined) ?? {}) };
      delete train.augment;
      this.edit('train', { ...train, ...structuredClone(recipe.train) }, true);
    };
    return this.selectField('recipe', 'Recipe', current, choices, apply, RECIPES[current as RecipeName]?.description);
  }

  /** Augmentation is on when `train.augment` is set; its fields show then. */
  private augmentFields(): HTMLElement[] {
    const on = getAt(this.config, 'train.augment') !== undefined;
    const box = h('input', {
      type: 'checkbox',
      id: inputId('train.augment'),
      checked: on,
      onchange: () => this.edit('train.augment', box.checked ? { cropPadding: 4, horizontalFlip: true } : undefined, true),
    });
    const toggle = this.wrap(
      'train.augment',
      'Augment images (random crop with padding + horizontal flip)',
      box,
      'RepDistiller’s CIFAR augmentation; the teacher then sees each augmented view.',
      true,
    );
    if (!on) return [toggle];
    return [toggle, this.field('train.augment.cropPadding', { label: 'Crop padding (pixels)' }), this.field('train.augment.horizontalFlip', { label: 'Horizontal flip', kind: 'boolean' })];
  }

  /** A section; the teacher's and the student's are greyed out when the method does not use them. */
  private section(title: string, fields: HTMLElement[], unused = false, model?: 'teacher' | 'student'): HTMLElement {
    return h('fieldset', { class: unused ? 'section unused' : 'section', 'data-model': model }, h('legend', {}, title), h('p', { class: 'hint unused-note' }, 'Not used by this method.'), ...fields);
  }

  /** The method picker flags the methods that do not take this kind of model; picking one switches data and models to its kind. */
  private methodSection(method: string, kind: ModelKind): HTMLElement {
    const descriptor = methodDescriptor(method);
    const choices = methodDescriptors().map((d) => ({
      value: d.name,
      label: modelKindProblem(d.name, kind) ? `${d.label} (${kind === 'text' ? 'image models only' : 'text models only'})` : d.label,
      title: modelKindProblem(d.name, kind),
    }));
    const picker = this.selectField('method.name', 'Method', method, choices, (name) => {
      setAt(this.config, 'method', variantDefaults(MethodConfig, name));
      this.note = fitToMethod(this.config, name, methodDescriptor(name)?.label ?? name);
      this.edit('method', getAt(this.config, 'method'), true);
    });
    return this.section(
      'Method',
      [
        picker,
        descriptor ? h('p', { class: 'method-summary' }, descriptor.summary) : null,
        descriptor && descriptor.reference !== '—' ? h('p', { class: 'method-reference' }, 'Reference: ', descriptor.reference) : null,
        ...(descriptor?.params ?? []).flatMap((param) =>
          param.kind === 'dataset' ? this.datasetFields(`method.${param.key}`, param.label, { optional: true, help: param.help }) : [this.field(`method.${param.key}`, param)],
        ),
      ].filter((x): x is HTMLElement => x !== null),
    );
  }

  /**
   * A data set: the picker (the built-in text set is a choice of its own), then its fields. A new
   * kind of data brings models that read it (form-kinds.ts); the note says what changed.
   */
  private datasetFields(path: string, label: string, options: { optional?: boolean; help?: string } = {}): HTMLElement[] {
    const kind = variantOf(ExperimentConfig, path, 'kind', this.config) ?? '';
    const current = kind === 'builtin' && getAt(this.config, `${path}.name`) === BUILTIN_TEXT_DATASET ? TEXT_BUILTIN : kind;
    const choices = [...(options.optional ? [{ value: '', label: 'None' }] : []), ...DATASET_CHOICES];
    const pick = (value: string) => {
      const spec = value === TEXT_BUILTIN ? builtinDataset('text') : value ? variantDefaults(DatasetSpec, value) : undefined;
      setAt(this.config, path, spec);
      if (path === 'data.dataset') {
        const to = dataKindOf(this.config);
        const changed = fitToData(this.config, to);
        this.note = changed.length ? `For ${to === 'text' ? 'text' : 'images'}: ${changed.join(', ')}.` : undefined;
      }
      this.edit(path, spec, true);
    };
    const picker = this.selectField(`${path}.kind`, label, current, choices, pick, options.help);
    return [picker, ...(DATASET_FIELDS[current] ?? []).map((spec) => this.field(`${path}.${spec.key}`, spec))];
  }

  /** A discriminated union: a picker for the variant, then the chosen variant's fields. `fits` leaves out variants that do not fit (the current one stays). */
  private variantFields(path: string, union: Union, label: string, table: Record<string, FieldSpec[]>, options: { fits?: (variant: string) => boolean } = {}): HTMLElement[] {
    const discriminator = union.discriminator;
    const current = variantOf(ExperimentConfig, path, discriminator, this.config) ?? '';
    const choices = variantNames(union)
      .filter((value) => value === current || (options.fits?.(value) ?? true))
      .map((value) => ({ value, label: value }));
    const picker = this.selectField(`${path}.${discriminator}`, label, current, choices, (value) => this.edit(path, value ? variantDefaults(union, value) : undefined, true));
    return [picker, ...(table[current] ?? []).map((spec) => this.field(`${path}.${spec.key}`, spec))];
  }

  private selectField(path: string, label: string, current: string, choices: { value: string; label: string; title?: string }[], onSelect: (value: string) => void, help?: string): HTMLElement {
    const known = choices.some((c) => c.value === current);
    const options = [...choices, ...(known ? [] : [{ value: current, label: `${current} (unknown)` }])];
    const select = h(
      'select',
      { id: inputId(path), onchange: () => onSelect(select.value) },
      ...options.map((c) => h('option', { value: c.value, selected: c.value === current, title: 'title' in c ? c.title : undefined }, c.label)),
    );
    return this.wrap(path, label, select, help);
  }

  private field(path: string, spec: Omit<FieldSpec, 'key'>): HTMLElement {
    const kind = spec.kind ?? 'number';
    const value = getAt(this.config, path);
    const schema = fieldSchema(ExperimentConfig, path, this.config);
    const fallback = fieldDefault(this.config, path, defaultOf(schema));
    const placeholder = spec.optional ? 'not set' : fallback !== undefined ? `${display(kind, fallback)} (default)` : '';
    const id = inputId(path);
    const help = [spec.help, fallback !== undefined && kind !== 'boolean' ? `Default ${display(kind, fallback) || 'none'}.` : ''].filter(Boolean).join(' ');
    if (kind === 'boolean') {
      const box = h('input', { type: 'checkbox', id, checked: value === undefined ? fallback === true : value === true, onchange: () => this.edit(path, box.checked) });
      return this.wrap(path, spec.label, box, help, true);
    }
    const choices = spec.choices ?? literalChoices(schema);
    if (kind === 'choice' && choices) {
      const current = formatValue(value ?? fallback);
      return this.selectField(
        path,
        spec.label,
        current,
        choices.map((c) => ({ value: String(c), label: String(c) })),
        (text) => this.edit(path, parseNumberText(text)),
        help,
      );
    }
    const input = h('input', {
      type: 'text',
      id,
      value: display(kind, value),
      placeholder,
      spellcheck: 'false',
      inputmode: kind === 'number' ? 'decimal' : undefined,
      oninput: () => this.edit(path, parse(kind, input.value, spec.optional)),
    });
    if (kind === 'file' || kind === 'folder' || kind === 'folders') {
      const pick = kind === 'file' ? 'file' : 'folder';
      const browse = h('button', { type: 'button', class: 'secondary browse', onclick: () => this.host.post({ type: 'pickPath', field: path, kind: pick, title: spec.label }) }, 'Browse…');
      return this.wrap(path, spec.label, h('div', { class: 'with-button' }, input, browse), help, false, id);
    }
    return this.wrap(path, spec.label, input, help);
  }

  private wrap(path: string, label: string, control: HTMLElement, help?: string, inline = false, labelFor = control.id): HTMLElement {
    const errorId = `${inputId(path)}-error`;
    const error = h('div', { class: 'field-error', id: errorId, role: 'alert', hidden: true });
    this.errorSlots.set(path, error);
    const input = control.matches('input, select') ? control : control.querySelector('input, select');
    input?.setAttribute('aria-describedby', `${errorId}${help ? ` ${errorId}-help` : ''}`);
    return h(
      'div',
      { class: inline ? 'field inline' : 'field', 'data-field': path },
      inline ? null : h('label', { for: labelFor }, label),
      control,
      inline ? h('label', { for: labelFor }, label) : null,
      help ? h('div', { class: 'help', id: `${errorId}-help` }, help) : null,
      error,
    );
  }

  private showValidation(): void {
    const uses = methodUses(this.method(), getAt(this.config, 'method'));
    for (const section of Array.from(this.body.querySelectorAll<HTMLElement>('fieldset[data-model]'))) {
      section.classList.toggle('unused', !uses[section.dataset.model as 'teacher' | 'student']);
    }
    const result = validate(this.config);
    const problems = result.ok ? this.hostProblems : result.problems;
    const mapped = mapProblems(problems, new Set(this.errorSlots.keys()));
    for (const [path, slot] of this.errorSlots) {
      const messages = mapped.fields.get(path);
      slot.hidden = !messages;
      slot.textContent = messages?.join('; ') ?? '';
      const input = slot.parentElement?.querySelector('input, select');
      if (messages) input?.setAttribute('aria-invalid', 'true');
      else input?.removeAttribute('aria-invalid');
    }
    replaceChildren(this.general, ...mapped.general.map((p) => h('li', {}, p)));
    this.general.hidden = mapped.general.length === 0;
    this.runButton.disabled = problems.length > 0;
    this.summary.textContent = problems.length ? `${problems.length} problem${problems.length > 1 ? 's' : ''} to fix before running` : 'Ready to run';
  }
}

/** A value as its input shows it; `parse` reads it back. */
function display(kind: FieldKind, value: unknown): string {
  if (value === undefined) return '';
  if (kind === 'models' || kind === 'model') return formatModels(value);
  if (kind === 'folders' && Array.isArray(value)) return value.join('; ');
  return formatValue(value);
}

function parse(kind: FieldKind, text: string, optional = false): unknown {
  const empty = optional ? undefined : [];
  switch (kind) {
    case 'number':
      return parseNumberText(text);
    case 'list':
      return parseListText(text);
    case 'model':
      return parseModel(text);
    case 'models':
      return text.trim() ? parseModels(text) : empty;
    case 'folders': {
      const folders = text
        .split(';')
        .map((f) => f.trim())
        .filter(Boolean);
      return folders.length ? folders : empty;
    }
    default:
      return text === '' ? undefined : text;
  }
}

function inputId(path: string): string {
  return `field-${path.replace(/\./g, '-')}`;
}
