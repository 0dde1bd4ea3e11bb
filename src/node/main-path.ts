// Where the built `sandbox-node` entry point is, for whoever spawns nodes: from dist/ it is the
// main.js beside this file; from the sources (vitest runs src/ and test/ directly) there is no
// main.js next to main.ts, and the node to spawn is still the built one.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const beside = resolve(import.meta.dirname, 'main.js');

export const NODE_MAIN = existsSync(beside)
  ? beside
  : resolve(import.meta.dirname, '../../dist/src/node/main.js');
