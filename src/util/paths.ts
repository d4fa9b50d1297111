import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository (package) root, from this file's location: src/util/ -> ../.. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where local brokers keep their data and state: git-ignored. Override with MQBENCH_HOME. */
export const stateRoot = process.env.MQBENCH_HOME ?? join(repoRoot, '.mqbench');
