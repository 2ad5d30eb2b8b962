// Starts the negatives worker from the TypeScript sources (tests, `npm run bench`): Node cannot
// start a worker from a .ts file, so this registers tsx's CommonJS loader first. The shipped build
// starts dist/negatives-worker.js instead (scripts/build.mjs).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS boot file: it must load tsx before any TypeScript */
require('tsx/cjs');
require('./negatives-worker-main.ts');
