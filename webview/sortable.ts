// What the sortable tables (comparison, study) share: the header row whose buttons sort, and the
// sort state a click moves (a new column sorts descending first; the same column again reverses).
import { h } from './dom';

export type SortDirection = 'ascending' | 'descending';

export interface SortState {
  key: string;
  direction: SortDirection;
}

export interface SortableColumn {
  key: string;
  label: string;
  title: string;
  numeric: boolean;
}

export function nextSort(current: SortState, key: string): SortState {
  return { key, direction: current.key === key && current.direction === 'descending' ? 'ascending' : 'descending' };
}

/** A header cell per column, its button sorting by it; aria-sort and an arrow mark the sorted one. */
export function sortableHeader(columns: readonly SortableColumn[], sort: SortState, sortBy: (key: string) => void): HTMLTableRowElement {
  return h(
    'tr',
    {},
    ...columns.map((column) =>
      h(
        'th',
        { scope: 'col', 'data-column': column.key, 'aria-sort': sort.key === column.key ? sort.direction : 'none', class: column.numeric ? 'num' : undefined },
        h('button', { type: 'button', title: column.title, onclick: () => sortBy(column.key) }, column.label, sort.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''),
      ),
    ),
  );
}
