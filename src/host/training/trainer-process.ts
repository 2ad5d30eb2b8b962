// The trainer child process lives with the study pool, which the CLI shares (src/study/).
export * from '../../study/trainer-process';
