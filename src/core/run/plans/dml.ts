import { ConfigError, type ExperimentConfig, type MethodOf } from '../../../shared/protocol';
import { trainBaseline } from './common';
import { seedOf, type Plan } from './plan';

type Dml = MethodOf<'dml'>;

const methodOf = (config: ExperimentConfig) => config.method as Dml;
const peerRoles = (method: Dml) => Array.from({ length: method.peers }, (_, i) => `peer-${i + 1}`);

/** [baseline] → K peers trained together in one phase, each with its own events, checkpoints and row. No teacher. */
export const dmlPlan: Plan = {
  phases(config) {
    return [...(config.baseline ? ['student-scratch'] : []), ...peerRoles(methodOf(config))];
  },

  async run(context) {
    const { config } = context;
    const method = methodOf(config);
    if (method.models && method.models.length !== method.peers) {
      throw new ConfigError([`config.method.models: expected ${method.peers} architectures, one per peer (config.method.peers), got ${method.models.length}`]);
    }
    // Peer 1 starts from the student's weights, like the baseline; the others from their own.
    const peers = peerRoles(method).map((role, i) => ({
      role,
      model: context.build(method.models?.[i] ?? config.student.model, role, seedOf(config, 'peer', i + 1)),
    }));
    const distiller = context.distiller(method, { student: peers[0].model, peers });
    if (config.baseline) await trainBaseline(context, config.student.model);
    await context.train('peers', distiller, config.train);
  },
};
