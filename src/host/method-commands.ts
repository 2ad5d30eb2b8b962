import type { MethodName } from '../shared/protocol';

/** Each method's own "Distill: Run …" command (teacher and KD have theirs in commands.ts). */
export const METHOD_COMMANDS: { method: MethodName; command: string; title: string }[] = [
  { method: 'scratch', command: 'distill.runScratch', title: 'Train Student from Scratch' },
  { method: 'unlabeled', command: 'distill.runUnlabeledTransfer', title: 'Run Unlabeled Transfer (Soft Targets Only)' },
  { method: 'multi-teacher', command: 'distill.runMultiTeacher', title: 'Run Multi-Teacher Ensemble KD' },
  { method: 'born-again', command: 'distill.runBornAgain', title: 'Run Sequential Model Transfer (Born-Again Ensemble)' },
  { method: 'dml', command: 'distill.runMutualLearning', title: 'Run Deep Mutual Learning' },
  { method: 'fitnet', command: 'distill.runFitNets', title: 'Run FitNets Hint Distillation' },
  { method: 'pkd', command: 'distill.runPatientKd', title: 'Run Multi-Layer Distillation (PKD)' },
  { method: 'tinybert', command: 'distill.runTinyBert', title: 'Run Embedding + Hidden Distillation (TinyBERT-style)' },
  { method: 'distilbert', command: 'distill.runDistilBert', title: 'Run Last-Layer Cosine Distillation (DistilBERT-style)' },
  { method: 'at', command: 'distill.runAttentionTransfer', title: 'Run Attention Transfer (AT)' },
  { method: 'sad', command: 'distill.runSelfAttention', title: 'Run Self Attention Distillation (SAD)' },
  { method: 'crd', command: 'distill.runCrd', title: 'Run Contrastive Representation Distillation (CRD)' },
  { method: 'srrl', command: 'distill.runSrrl', title: 'Run Softmax Regression Representation Learning (SRRL)' },
  { method: 'dkd', command: 'distill.runDkd', title: 'Run Decoupled KD (DKD)' },
];
