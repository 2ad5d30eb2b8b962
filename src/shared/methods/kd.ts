import { IMAGE_MODELS, kdFields, kdHelp } from './common';
import { defineMethod } from './method';

/** Hinton et al. 2015, with RepDistiller's defaults. */
export const kd = defineMethod({
  name: 'kd',
  fields: kdFields,
  label: 'Knowledge distillation (Hinton)',
  summary: 'Loss (1−α)·CE + α·T²·KL(p_teacher ‖ p_student) at temperature T.',
  reference: 'Hinton et al. 2015, “Distilling the Knowledge in a Neural Network”; RepDistiller distiller_zoo/KD.py',
  command: { id: 'distill.runKnowledgeDistillation', title: 'Run Knowledge Distillation' },
  params: kdHelp,
  modelKinds: IMAGE_MODELS,
  teacher: true,
  student: true,
});
