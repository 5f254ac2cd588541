export { hashString, calculationResult, randomHexSalt, type HashSources } from './hash.js';
