// What a run folder holds on disk: run.json's record and summary.json.
import { z } from 'zod';
import type { MethodName } from './config';

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export interface ModelSummary {
  /** 'teacher', 'student', 'student-scratch', … */
  role: string;
  arch: string;
  params: number;
  bytes: number;
  bestValAccuracy: number;
  bestEpoch: number;
  lastValAccuracy: number;
  lastValTop5?: number;
  /** Mean milliseconds for one sample's forward pass at batch 1. */
  latencyMs: number;
  wallTimeSec: number;
  /** Teacher params / this model's params (students only). */
  compression?: number;
  /** Validation agreement of this student's top-1 with the teacher's (students only). */
  agreement?: number;
}

export interface RunSummary {
  experiment: string;
  method: MethodName;
  dataset: string;
  backend: string;
  seed: number;
  wallTimeSec: number;
  models: ModelSummary[];
}

export interface RunRecord {
  id: string;
  experiment: string;
  status: RunStatus;
  method: MethodName;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  backend?: string;
  pid?: number;
  versions?: Record<string, string>;
  error?: { message: string; stack?: string };
}

