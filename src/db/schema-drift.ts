/**
 * Compares `prisma/schema.prisma` with a live database: tables, columns, types,
 * nullability, defaults, enums, primary keys, unique constraints, foreign keys and
 * indexes. `prisma migrate diff` would do this, but it needs Prisma's schema engine
 * binary, which optdb does not ship; the schema is read with Prisma's own WASM parser
 * (`@prisma/get-dmmf`) and the database from the catalogs.
 *
 * Used by the drift test (so the SQL migrations and the Prisma schema cannot drift
 * apart), by `optdb doctor`, and by table-drift.ts, which holds both shapes against the
 * tables described in code.
 */
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as DMMF from '@prisma/dmmf';
import { getDMMF } from '@prisma/get-dmmf';
import type pg from 'pg';
import { LOADING_TABLE_PREFIX } from './day-partitions.js';

export const BUNDLED_SCHEMA_PATH = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

/** Tables the database may have that the Prisma schema does not describe. */
const BOOKKEEPING_TABLES = new Set(['_prisma_migrations']);

interface Column {
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

interface Table {
  columns: Map<string, Column>;
  primaryKey: string[];
  /** Each unique constraint or unique index as its ordered column list joined by ','. */
  uniques: Set<string>;
  /** `cols -> table(cols) ON DELETE x ON UPDATE y` */
  foreignKeys: Set<string>;
  /** Non-unique, non-primary indexes: `name(cols)`. */
  indexes: Set<string>;
}

export interface SchemaShape {
  tables: Map<string, Table>;
  enums: Map<string, string[]>;
}

/** Every difference, as one human-readable line each; empty when they agree. */
export async function findSchemaDrift(client: pg.ClientBase, schemaPath: string = BUNDLED_SCHEMA_PATH): Promise<string[]> {
  const expected = shapeFromPrismaSchema(await fs.readFile(schemaPath, 'utf8'));
  const actual = await shapeFromDatabase(client);
  return compareShapes(expected, actual);
}

type DmmfField = DMMF.Field;

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

export function shapeFromPrismaSchema(schemaText: string): SchemaShape {
  const parsed = getDMMF({ datamodel: schemaText });
  if ('reason' in parsed) throw new Error(`schema.prisma could not be parsed: ${parsed.reason}`, { cause: parsed.error });
  const { datamodel } = parsed;
  const enumDbName = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enums = new Map(datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]));
  const modelDbName = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const tables = new Map<string, Table>();

  for (const model of datamodel.models) {
    const columnOf = new Map(model.fields.map((f) => [f.name, f.dbName ?? f.name]));
    const columns = (names: readonly string[]) => names.map((n) => columnOf.get(n) ?? n);
    const table: Table = { columns: new Map(), primaryKey: [], uniques: new Set(), foreignKeys: new Set(), indexes: new Set() };

    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields && field.relationFromFields.length > 0) {
          const target = modelDbName.get(field.type)!;
          const targetColumns = datamodel.models.find((m) => m.name === field.type)!.fields;
          const targetColumnOf = new Map(targetColumns.map((f) => [f.name, f.dbName ?? f.name]));
          const onDelete = REFERENTIAL_ACTIONS[field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull')];
          const onUpdate = REFERENTIAL_ACTIONS[field.relationOnUpdate ?? 'Cascade'];
          const toColumns = (field.relationToFields ?? []).map((n) => targetColumnOf.get(n) ?? n);
          table.foreignKeys.add(
            `(${columns(field.relationFromFields).join(',')}) -> ${target}(${toColumns.join(',')}) ON DELETE ${onDelete} ON UPDATE ${onUpdate}`,
          );
        }
        continue;
      }
      table.columns.set(field.dbName ?? field.name, {
        type: postgresType(field, enumDbName),
        nullable: !field.isRequired,
        hasDefault: field.hasDefaultValue,
      });
      if (field.isId) table.primaryKey = [field.dbName ?? field.name];
      if (field.isUnique) table.uniques.add(field.dbName ?? field.name);
    }
    if (model.primaryKey) table.primaryKey = columns(model.primaryKey.fields);
    for (const unique of model.uniqueFields) table.uniques.add(columns(unique).join(','));
    tables.set(model.dbName ?? model.name, table);
  }

  for (const index of datamodel.indexes) {
    if (index.type !== 'normal') continue;
    const model = datamodel.models.find((m) => m.name === index.model)!;
    const columnOf = new Map(model.fields.map((f) => [f.name, f.dbName ?? f.name]));
    const cols = index.fields.map((f) => columnOf.get(f.name) ?? f.name);
    const tableName = model.dbName ?? model.name;
    const name = index.dbName ?? `${tableName}_${cols.join('_')}_idx`;
    tables.get(tableName)!.indexes.add(`${name}(${cols.join(',')})`);
  }
  return { tables, enums };
}

/** The type as PostgreSQL's format_type() prints it, for Prisma's default and native types. */
function postgresType(field: DmmfField, enumDbName: Map<string, string>): string {
  if (field.kind === 'enum') return enumDbName.get(field.type) ?? field.type;
  const [nativeName, args = []] = (field.nativeType ?? []) as [string?, string[]?];
  const withArgs = (base: string) => (args.length > 0 ? `${base}(${args.join(',')})` : base);
  let type: string;
  switch (nativeName ?? field.type) {
    case 'String':
    case 'Text':
      type = 'text';
      break;
    case 'VarChar':
      type = withArgs('character varying');
      break;
    case 'Char':
      type = withArgs('character');
      break;
    case 'Int':
    case 'Integer':
      type = 'integer';
      break;
    case 'SmallInt':
      type = 'smallint';
      break;
    case 'BigInt':
      type = 'bigint';
      break;
    case 'Float':
    case 'DoublePrecision':
      type = 'double precision';
      break;
    case 'Real':
      type = 'real';
      break;
    case 'Boolean':
      type = 'boolean';
      break;
    case 'Decimal':
      type = nativeName ? withArgs('numeric') : 'numeric(65,30)';
      break;
    case 'DateTime':
      type = 'timestamp(3) without time zone';
      break;
    case 'Timestamp':
      type = `timestamp(${args[0] ?? 6}) without time zone`;
      break;
    case 'Timestamptz':
      type = `timestamp(${args[0] ?? 6}) with time zone`;
      break;
    case 'Date':
      type = 'date';
      break;
    case 'Json':
    case 'JsonB':
      type = 'jsonb';
      break;
    case 'Bytes':
    case 'ByteA':
      type = 'bytea';
      break;
    case 'Uuid':
      type = 'uuid';
      break;
    default:
      type = (nativeName ?? field.type).toLowerCase();
  }
  return field.isList ? `${type}[]` : type;
}

// The tables of the schema, not their partitions (which share their parent's shape) nor a
// day's load under way (a bare table the size of a day, attached when its input ends).
const COLUMNS_SQL = `
  SELECT c.relname AS table_name, a.attname AS column_name,
         format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable, a.atthasdef AS has_default
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND NOT starts_with(c.relname, '${LOADING_TABLE_PREFIX}')
  ORDER BY c.relname, a.attnum`;

const CONSTRAINTS_SQL = `
  SELECT c.relname AS table_name, con.contype AS kind,
         array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
         ref.relname AS ref_table,
         array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns,
         con.confdeltype AS on_delete, con.confupdtype AS on_update
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class ref ON ref.oid = con.confrelid
  WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f') AND NOT c.relispartition`;

// Indexes that do not back a constraint (those are compared as constraints above).
const INDEXES_SQL = `
  SELECT t.relname AS table_name, i.relname AS index_name, ix.indisunique AS is_unique,
         array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
  FROM pg_index ix
  JOIN pg_class i ON i.oid = ix.indexrelid
  JOIN pg_class t ON t.oid = ix.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = current_schema() AND NOT t.relispartition
    AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u'))`;

const ENUMS_SQL = `
  SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
  FROM pg_type t
  JOIN pg_enum e ON e.enumtypid = t.oid
  JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = current_schema()
  GROUP BY t.typname`;

const ACTION_CODES: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

export async function shapeFromDatabase(client: pg.ClientBase): Promise<SchemaShape> {
  const tables = new Map<string, Table>();
  const tableFor = (name: string): Table => {
    let table = tables.get(name);
    if (!table) {
      table = { columns: new Map(), primaryKey: [], uniques: new Set(), foreignKeys: new Set(), indexes: new Set() };
      tables.set(name, table);
    }
    return table;
  };

  for (const row of (await client.query(COLUMNS_SQL)).rows) {
    if (BOOKKEEPING_TABLES.has(row.table_name)) continue;
    tableFor(row.table_name).columns.set(row.column_name, { type: row.type, nullable: row.nullable, hasDefault: row.has_default });
  }
  for (const row of (await client.query(CONSTRAINTS_SQL)).rows) {
    if (BOOKKEEPING_TABLES.has(row.table_name)) continue;
    const table = tableFor(row.table_name);
    if (row.kind === 'p') table.primaryKey = row.columns;
    else if (row.kind === 'u') table.uniques.add(row.columns.join(','));
    else {
      table.foreignKeys.add(
        `(${row.columns.join(',')}) -> ${row.ref_table}(${row.ref_columns.join(',')}) ON DELETE ${ACTION_CODES[row.on_delete]} ON UPDATE ${ACTION_CODES[row.on_update]}`,
      );
    }
  }
  for (const row of (await client.query(INDEXES_SQL)).rows) {
    if (BOOKKEEPING_TABLES.has(row.table_name)) continue;
    const table = tableFor(row.table_name);
    if (row.is_unique) table.uniques.add(row.columns.join(','));
    else table.indexes.add(`${row.index_name}(${row.columns.join(',')})`);
  }
  const enums = new Map<string, string[]>();
  for (const row of (await client.query(ENUMS_SQL)).rows) enums.set(row.name, row.labels);
  return { tables, enums };
}

export function compareShapes(schema: SchemaShape, database: SchemaShape): string[] {
  const drift: string[] = [];
  for (const [name, values] of schema.enums) {
    const actual = database.enums.get(name);
    if (!actual) drift.push(`enum ${name}: in schema.prisma, missing in the database`);
    else if (actual.join(',') !== values.join(',')) drift.push(`enum ${name}: schema has (${values}), database has (${actual})`);
  }
  for (const name of database.enums.keys()) {
    if (!schema.enums.has(name)) drift.push(`enum ${name}: in the database, missing in schema.prisma`);
  }
  for (const [name, expected] of schema.tables) {
    const actual = database.tables.get(name);
    if (!actual) {
      drift.push(`table ${name}: in schema.prisma, missing in the database`);
      continue;
    }
    drift.push(...compareTables(name, expected, actual));
  }
  for (const name of database.tables.keys()) {
    if (!schema.tables.has(name)) drift.push(`table ${name}: in the database, missing in schema.prisma`);
  }
  return drift;
}

function compareTables(name: string, schema: Table, database: Table): string[] {
  const drift: string[] = [];
  for (const [column, expected] of schema.columns) {
    const actual = database.columns.get(column);
    if (!actual) {
      drift.push(`${name}.${column}: in schema.prisma, missing in the database`);
      continue;
    }
    if (actual.type !== expected.type)
      drift.push(`${name}.${column}: type ${expected.type} in schema.prisma, ${actual.type} in the database`);
    if (actual.nullable !== expected.nullable) {
      drift.push(
        `${name}.${column}: ${expected.nullable ? 'nullable' : 'NOT NULL'} in schema.prisma, ${actual.nullable ? 'nullable' : 'NOT NULL'} in the database`,
      );
    }
    if (actual.hasDefault !== expected.hasDefault) {
      drift.push(
        `${name}.${column}: ${expected.hasDefault ? 'has' : 'no'} default in schema.prisma, ${actual.hasDefault ? 'has' : 'no'} default in the database`,
      );
    }
  }
  for (const column of database.columns.keys()) {
    if (!schema.columns.has(column)) drift.push(`${name}.${column}: in the database, missing in schema.prisma`);
  }
  if (schema.primaryKey.join(',') !== database.primaryKey.join(',')) {
    drift.push(`${name}: primary key (${schema.primaryKey}) in schema.prisma, (${database.primaryKey}) in the database`);
  }
  drift.push(...compareSets(`${name}: unique`, schema.uniques, database.uniques));
  drift.push(...compareSets(`${name}: foreign key`, schema.foreignKeys, database.foreignKeys));
  drift.push(...compareSets(`${name}: index`, schema.indexes, database.indexes));
  return drift;
}

function compareSets(label: string, schema: Set<string>, database: Set<string>): string[] {
  const drift: string[] = [];
  for (const item of schema) if (!database.has(item)) drift.push(`${label} ${item}: in schema.prisma, missing in the database`);
  for (const item of database) if (!schema.has(item)) drift.push(`${label} ${item}: in the database, missing in schema.prisma`);
  return drift;
}
