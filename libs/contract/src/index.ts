export * from './workloads.js';
export * from './results.js';
export * from './mesh.js';
export * from './watcher.js';
export * from './watcher-status.js';
export * from './security.js';
export * from './control-plane.js';
export * from './alerts.js';
