/** Every doctor check family, in the order the knowledge base's checklist runs them. */
import type { CheckFamily } from './check.js';
import { connectivity } from './connectivity.js';

export const CHECK_FAMILIES: readonly CheckFamily[] = [connectivity];
