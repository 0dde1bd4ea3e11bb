export * from './types.js';
export * from './resources.js';
export * from './recordio.js';
export * from './ids.js';
export * from './json.js';
