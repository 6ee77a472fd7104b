/**
 * Compares the tables described in code (schema/tables.ts) with schema.prisma and with a
 * database, each read into the shape schema-drift.ts builds: table names, columns in
 * order with their types, nullability and defaults, and primary keys. The rest of the
 * schema (indexes, foreign keys, enums) no code derives anything from; schema-drift.ts
 * compares it between schema.prisma and the database.
 *
 * Used by the drift test, so that a column changed in one of the three descriptions and
 * not the others fails a test.
 */
import fs from 'node:fs/promises';
import type pg from 'pg';
import { type Column, TABLES, type Table } from '../schema/tables.js';
import { BUNDLED_SCHEMA_PATH, type SchemaShape, shapeFromDatabase, shapeFromPrismaSchema } from './schema-drift.js';

/** Every difference between the code's tables and schema.prisma, then the database: one line each, empty when all agree. */
export async function findTableDrift(client: pg.ClientBase, schemaPath: string = BUNDLED_SCHEMA_PATH): Promise<string[]> {
  const prisma = shapeFromPrismaSchema(await fs.readFile(schemaPath, 'utf8'));
  const database = await shapeFromDatabase(client);
  return [...compareWithTables(TABLES, prisma, 'schema.prisma'), ...compareWithTables(TABLES, database, 'the database')];
}

/** `where` names the other description in each line: `schema.prisma`, `the database`. */
export function compareWithTables(tables: readonly Table[], shape: SchemaShape, where: string): string[] {
  const drift: string[] = [];
  for (const table of tables) {
    const other = shape.tables.get(table.name);
    if (other) drift.push(...compareTable(table, other, where));
    else drift.push(`table ${table.name}: in the code, missing in ${where}`);
  }
  const described = new Set(tables.map((table) => table.name));
  for (const name of shape.tables.keys()) {
    if (!described.has(name)) drift.push(`table ${name}: in ${where}, missing in the code`);
  }
  return drift;
}

type ShapeTable = SchemaShape['tables'] extends Map<string, infer T> ? T : never;

function compareTable(table: Table, other: ShapeTable, where: string): string[] {
  const drift: string[] = [];
  for (const column of table.columns) {
    const actual = other.columns.get(column.name);
    if (!actual) {
      drift.push(`${table.name}.${column.name}: in the code, missing in ${where}`);
      continue;
    }
    const type = formatType(column);
    if (actual.type !== type) drift.push(`${table.name}.${column.name}: type ${type} in the code, ${actual.type} in ${where}`);
    if (actual.nullable !== column.nullable) {
      drift.push(`${table.name}.${column.name}: ${nullability(column.nullable)} in the code, ${nullability(actual.nullable)} in ${where}`);
    }
    if (actual.hasDefault !== column.defaultNow) {
      drift.push(
        `${table.name}.${column.name}: ${column.defaultNow ? 'default now()' : 'no default'} in the code, ${actual.hasDefault ? 'a default' : 'no default'} in ${where}`,
      );
    }
  }
  const names = table.columns.map((column) => column.name);
  for (const name of other.columns.keys()) {
    if (!names.includes(name)) drift.push(`${table.name}.${name}: in ${where}, missing in the code`);
  }
  // Order matters where columns are listed without names (COPY, unnest): said once, when the names agree.
  const otherNames = [...other.columns.keys()];
  if (names.length === otherNames.length && names.every((name) => otherNames.includes(name)) && names.join(',') !== otherNames.join(',')) {
    drift.push(`${table.name}: columns in the order (${names}) in the code, (${otherNames}) in ${where}`);
  }
  if (table.primaryKey.join(',') !== other.primaryKey.join(',')) {
    drift.push(`${table.name}: primary key (${table.primaryKey}) in the code, (${other.primaryKey}) in ${where}`);
  }
  return drift;
}

const nullability = (nullable: boolean) => (nullable ? 'nullable' : 'NOT NULL');

/** The column's type as PostgreSQL's format_type() prints it, the form both shapes hold. */
function formatType(column: Column): string {
  const modifiers = column.modifiers.length > 0 ? `(${column.modifiers.join(',')})` : '';
  return column.type === 'timestamptz' ? `timestamp${modifiers} with time zone` : `${column.type}${modifiers}`;
}
