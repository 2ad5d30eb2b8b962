// BERT's uncased WordPiece tokenisation (what DistilBERT, PKD and TinyBERT use) by @huggingface/tokenizers, fed with
// bert-base-uncased's vocabulary from data/bert-base-uncased/vocab.txt (written by scripts/make-text-dataset.mjs).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { dataDirCandidates } from '../builtin';

export const VOCAB_DIR = 'bert-base-uncased';
/** bert-base-uncased's special tokens, by their ids in its vocabulary. */
export const BERT_PAD = 0;
export const BERT_UNK = 100;
export const BERT_CLS = 101;
export const BERT_SEP = 102;
const SPECIALS: [number, string][] = [
  [BERT_PAD, '[PAD]'],
  [BERT_UNK, '[UNK]'],
  [BERT_CLS, '[CLS]'],
  [BERT_SEP, '[SEP]'],
  [103, '[MASK]'],
];

export interface WordPiece {
  /** The text's token ids in bert-base-uncased's vocabulary, without [CLS] and [SEP]; with `limit`, at most its first `limit`. */
  encode(text: string, limit?: number): number[];
  /** id → WordPiece string ("dog", "##s", "[UNK]"). */
  vocab: readonly string[];
}

export function findVocab(candidates = dataDirCandidates(VOCAB_DIR)): string {
  const found = candidates.map((dir) => join(dir, 'vocab.txt')).find((file) => existsSync(file));
  if (found === undefined) throw new Error(`WordPiece vocabulary not found: expected vocab.txt in one of ${candidates.join(', ')}; run "npm run make-text-dataset"`);
  return found;
}

/** The tokenizer.json of bert-base-uncased (BertNormalizer lowercasing and stripping accents, BertPreTokenizer, WordPiece "##"). */
function bertTokenizerJson(vocab: readonly string[]): object {
  return {
    version: '1.0',
    added_tokens: SPECIALS.map(([id, content]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((token, id) => [token, id])) },
  };
}

let cached: WordPiece | undefined;

/** bert-base-uncased's tokenizer, built once per process (reading the 30,522-entry vocabulary takes ~0.2 s). */
export function bertUncased(vocabFile?: string): WordPiece {
  if (cached && vocabFile === undefined) return cached;
  const file = vocabFile ?? findVocab();
  const vocab = readFileSync(file, 'utf8').split('\n');
  if (vocab[vocab.length - 1] === '') vocab.pop();
  for (const [id, token] of SPECIALS) {
    if (vocab[id] !== token) throw new Error(`WordPiece vocabulary ${file}: expected ${token} at line ${id + 1}, found "${vocab[id] ?? ''}"`);
  }
  const tokenizer = new Tokenizer(bertTokenizerJson(vocab), { do_lower_case: true, unk_token: '[UNK]', clean_up_tokenization_spaces: true });
  const ids = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
  const encode = (text: string, limit?: number) => {
    // Normalising and splitting are per character and per word, so the ids of a prefix cut at whitespace are a prefix
    // of the text's ids: a long text is tokenised only as far as the limit needs (~3.4 characters a token in mail).
    if (limit !== undefined && text.length > limit * 8) {
      const cut = text.slice(0, limit * 8).search(/\s\S*$/);
      if (cut > 0) {
        const head = ids(text.slice(0, cut));
        if (head.length >= limit) return head.slice(0, limit);
      }
    }
    const all = ids(text);
    return limit === undefined ? all : all.slice(0, limit);
  };
  const wordPiece: WordPiece = { encode, vocab };
  if (vocabFile === undefined) cached = wordPiece;
  return wordPiece;
}
