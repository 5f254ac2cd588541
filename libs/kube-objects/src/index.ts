export * from './virtual-service.js';
export * from './http-route.js';
export * from './route-flavour.js';
export * from './route-yaml.js';
export * from './rbac.js';
export * from './route-state.js';
export * from './route-weights.js';
