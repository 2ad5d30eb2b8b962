import { z } from 'zod';
import { kdAlphaHelp, temperatureHelp } from './common';
import { defineMethod } from './method';

/** Layer maps of multi-layer methods: PKD-Skip spreads the student's blocks over the teacher's, PKD-Last takes the teacher's last ones. */
export const LayerStrategy = z.enum(['skip', 'last']);
export type LayerStrategy = z.infer<typeof LayerStrategy>;

/**
 * Patient KD (Sun et al. 2019, PKD-BERT `KD_loss.py`): (1−α)CE + αT²KL + β·MSE over the stacked
 * layers of n(h_s^l) and n(h_t^m(l)), i.e. β·mean_l MSE(n(h_s^l), n(h_t^m(l))) (`patience_loss`).
 */
export const pkd = defineMethod({
  name: 'pkd',
  fields: {
    /** PKD's grid best: alpha 0.7 (with beta 500). */
    alpha: z.number().min(0).max(1).default(0.7),
    /** PKD's grid best: alpha 0.7, beta 500 — β multiplies PKD-BERT's patience_loss, the MSE over the stacked [B, L, D] normalised states (the mean over layers), as pkdLoss computes it, so the reference value holds unchanged (the former sum over layers weighed it L times). */
    beta: z.number().min(0).default(500),
    /** PKD uses T=10 for BERT; 4 suits small nets (DESIGN §4). */
    temperature: z.number().gt(0).default(4),
    /** PKD-Skip, the paper's better map. */
    strategy: LayerStrategy.default('skip'),
    /** Student blocks (0-based) matched; by default every block but the last (which KD covers), or the last when there is one block. */
    studentLayers: z.array(z.number().int().min(0)).min(1).optional(),
  },
  label: 'Patient KD (multi-layer)',
  summary: '(1−α)·CE + α·T²·KL + β·MSE of L2-normalised hidden states (the mean over layers), student block l matched to a teacher block.',
  reference: 'Sun et al. 2019, “Patient Knowledge Distillation”; PKD-BERT KD_loss.py',
  command: { id: 'distill.runPatientKd', title: 'Run Multi-Layer Distillation (PKD)' },
  params: {
    alpha: kdAlphaHelp,
    beta: { label: 'Hidden-state weight β', symbol: 'β', help: 'Weight of the normalised hidden-state MSE, averaged over the matched layers (PKD-BERT’s patience_loss).' },
    temperature: { ...temperatureHelp, help: 'PKD used T=10 for BERT; 4 suits small networks.' },
    strategy: { label: 'Layer map', kind: 'choice', help: 'skip: student blocks spread over the teacher’s; last: the teacher’s last blocks.' },
    studentLayers: { label: 'Student blocks', kind: 'list', optional: true, help: '0-based; by default every block (on text, every layer’s [CLS]) but the last.' },
  },
  modelKinds: ['image', 'text'],
  teacher: true,
  student: true,
});
