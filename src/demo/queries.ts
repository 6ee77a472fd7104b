/**
 * The questions the demo asks of the data it loaded. They are written once, in the
 * database layer (db/sql/read-queries.ts), where the doctor's plans check explains the
 * same statements.
 */
export { NEAREST_CHAIN, TOP_VOLUME } from '../db/sql/read-queries.js';
