import * as tf from '@tensorflow/tfjs-core';
import packageJson from '../../package.json';

export function versions(): Record<string, string> {
  return { 'distill-lab': packageJson.version, 'tfjs-core': tf.version_core, node: process.version };
}
