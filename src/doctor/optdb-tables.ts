import { TABLES } from '../schema/tables.js';

/** The tables optdb owns: the ones doctor's statistics, plans and maintenance checks look at. */
export const OPTDB_TABLES = TABLES.map((table) => table.name);
