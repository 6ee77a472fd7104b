/** `optdb explain`: the lookup, its tables' consistency with the policy table, and the CLI. No database. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { classifyError, ERROR_POLICIES, PRISMA_EQUIVALENTS } from '../src/db/error-policy.js';
import { explain, type Explanation } from '../src/explain/explain.js';
import { KNOWN_MESSAGES } from '../src/explain/known-messages.js';
import { PRISMA_CODES } from '../src/explain/prisma-codes.js';
import { editDistance, similarity } from '../src/explain/similarity.js';
import { SQLSTATES, sqlStateByCode } from '../src/explain/sqlstate-catalogue.js';
import { SQLSTATE_CLASS_TITLES } from '../src/explain/sqlstate-classes.js';
import { SQLSTATE_NOTES } from '../src/explain/sqlstate-notes.js';
import { collect, runCli, spawnCli } from './harness/cli.js';

// PostgreSQL 15.20's own list, shipped with the test so that it runs on any machine (origin in its header).
const ERRCODES_TXT = new URL('./fixtures/errcodes-15.txt', import.meta.url);

function only(query: string): Explanation {
  const result = explain(query);
  assert.equal(result.matches.length, 1, `${query}: ${JSON.stringify(result.matches.map((match) => match.code))}`);
  return result.matches[0]!;
}

function codesOf(query: string): string[] {
  return explain(query).matches.map((match) => match.code);
}

test('a SQLSTATE, in any case, explains that code with its class', () => {
  for (const query of ['XX000', 'xx000', ' xx000 ']) {
    const match = only(query);
    assert.deepEqual(
      [match.kind, match.code, match.name, match.class],
      ['sqlstate', 'XX000', 'internal_error', 'Class XX — Internal Error'],
    );
  }
  const deadlock = only('40p01');
  assert.deepEqual([deadlock.code, deadlock.name, deadlock.policy?.action], ['40P01', 'deadlock_detected', 'retry']);
  // P0001 is PL/pgSQL's raise_exception, not a Prisma code.
  assert.deepEqual([only('p0001').kind, only('p0001').name], ['sqlstate', 'raise_exception']);
});

test('a class explains the class and lists its codes', () => {
  const integrity = only('23');
  assert.equal(integrity.kind, 'class');
  assert.equal(integrity.name, 'Integrity Constraint Violation');
  assert.equal(integrity.policy?.action, 'isolate-rows');
  assert.ok(integrity.codes?.some((entry) => entry.code === '23505' && entry.name === 'unique_violation'));
  assert.equal(only('08').policy?.action, 'retry');
  assert.equal(only('class 0a').code, '0A');
  // No class policy: the class says so and names the codes that do have one.
  assert.equal(only('XX').policy, null);
  assert.match(only('XX').optdbAction, /XX000, XX001, XX002/);
});

test('a Prisma code explains it with the SQLSTATE and policy optdb treats it as', () => {
  const conflict = only('p2034');
  assert.deepEqual([conflict.kind, conflict.code, conflict.equivalent, conflict.policy?.code], ['prisma', 'P2034', '40001', '40001']);
  assert.match(conflict.optdbAction, /retries/);
  const wrapper = only('P2039');
  assert.equal(wrapper.policy, null);
  assert.match(wrapper.optdbAction, /SQLSTATE inside/);
  const required = [
    'P1000',
    'P1001',
    'P1002',
    'P1003',
    'P1008',
    'P1010',
    'P1011',
    'P1017',
    'P2000',
    'P2002',
    'P2003',
    'P2010',
    'P2011',
    'P2020',
    'P2021',
    'P2022',
    'P2024',
    'P2025',
    'P2028',
    'P2034',
    'P2037',
    'P2039',
  ];
  for (const code of required) assert.equal(only(code).kind, 'prisma', code);
  for (const code of Object.keys(PRISMA_EQUIVALENTS)) assert.equal(only(code).equivalent, PRISMA_EQUIVALENTS[code], code);
});

test('a condition name, with underscores, spaces or hyphens, explains its code', () => {
  assert.equal(only('deadlock_detected').code, '40P01');
  assert.equal(only('unique violation').code, '23505');
  assert.equal(only('Unique-Violation').code, '23505');
  assert.deepEqual(codesOf('string_data_right_truncation'), ['01004', '22001']);
});

test("optdb's codes for failures outside the server explain themselves", () => {
  assert.deepEqual([only('econnreset').kind, only('econnreset').code], ['client', 'ECONNRESET']);
  assert.equal(only('pool_acquire_timeout').code, 'POOL_ACQUIRE_TIMEOUT');
  assert.deepEqual(codesOf('Error: getaddrinfo ENOTFOUND db.example.com'), ['ENOTFOUND']);
});

test("every code in the policy table explains with its policy's action and remedy", () => {
  for (const policy of ERROR_POLICIES) {
    const match = only(policy.code);
    assert.equal(match.policy?.code, policy.code, policy.code);
    assert.equal(match.policy?.action, policy.action, policy.code);
    assert.equal(match.remedy, policy.remedy, policy.code);
  }
});

test('a code optdb has no policy for says so honestly', () => {
  const duplicate = only('42P05');
  assert.equal(duplicate.policy, null);
  assert.match(duplicate.optdbAction, /not a failure optdb handles automatically/);
  assert.match(duplicate.remedy, /unnamed statements/);
  // Class fallback: 22P02 has no policy of its own, class 22 does.
  const badText = only('22P02');
  assert.equal(badText.policy?.code, '22');
  assert.match(badText.optdbAction, /class 22/);
  assert.match(only('01000').optdbAction, /not an error/);
});

test('every known message is recognised and explained with its code', () => {
  for (const entry of KNOWN_MESSAGES) {
    assert.match(entry.message, entry.pattern, entry.message);
    const matches = explain(`ERROR:  ${entry.message}`).matches;
    assert.ok(
      matches.some((match) => match.kind === 'message' && match.message === entry.message && match.code === entry.code),
      entry.message,
    );
  }
  for (const entry of PRISMA_CODES) {
    assert.match(entry.message, entry.pattern, entry.code);
    assert.ok(
      explain(entry.message).matches.some((match) => match.kind === 'prisma' && match.code === entry.code),
      entry.code,
    );
  }
});

test('a pasted message is quoted as pasted, with its names; the remedy names them too', () => {
  const password = only('FATAL: password authentication failed for user "postgres"');
  assert.deepEqual([password.code, password.message], ['28P01', 'password authentication failed for user "postgres"']);
  assert.match(password.remedy, /user name \("postgres"\) and password in DATABASE_URL/);
  const database = only('psql: error: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  database "nope" does not exist');
  assert.deepEqual([database.code, database.message], ['3D000', 'database "nope" does not exist']);
  assert.equal(database.remedy, 'create the database "nope" or fix its name in DATABASE_URL');
  const quoted: readonly (readonly [string, string])[] = [
    ['ERROR:  relation "trades" does not exist at character 15', 'relation "trades" does not exist'],
    ['Error: prepared statement "s7" does not exist', 'prepared statement "s7" does not exist'],
    ['ERROR: prepared statement "pgx_42" already exists (SQLSTATE 42P05)', 'prepared statement "pgx_42" already exists'],
    ['FATAL:  role "alice" does not exist', 'role "alice" does not exist'],
    ['FATAL:  too many connections for role "ingest"', 'too many connections for role "ingest"'],
    [
      'FATAL:  remaining connection slots are reserved for non-replication superuser connections',
      'remaining connection slots are reserved for non-replication superuser connections',
    ],
    [
      'ERROR:  duplicate key value violates unique constraint "trades_pkey"',
      'duplicate key value violates unique constraint "trades_pkey"',
    ],
    // Prisma's debug output escapes the quotes around names.
    [
      'ConnectorError(ConnectorError { kind: QueryError(PostgresError { code: "42P01", message: "relation \\"trades\\" does not exist", severity: "ERROR" }) })',
      'relation "trades" does not exist',
    ],
  ];
  for (const [pasted, message] of quoted) assert.equal(explain(pasted).matches[0]?.message, message, pasted);
  assert.match(only('FATAL:  too many connections for role "ingest"').remedy, /ALTER ROLE "ingest" CONNECTION LIMIT/);
  assert.match(only('ERROR:  database "scratch" is being accessed by other users').remedy, /DROP DATABASE "scratch" WITH \(FORCE\)/);
  // Without a name in the text the catalogue's remedy stands.
  assert.equal(only('password authentication failed for user').remedy, ERROR_POLICIES.find((entry) => entry.code === '28P01')?.remedy);
});

test("every known message's pattern spans the whole message, so a pasted one is quoted whole", () => {
  for (const entry of KNOWN_MESSAGES) assert.equal(entry.pattern.exec(entry.message)?.[0], entry.message, String(entry.pattern));
});

test('empty input explains nothing and suggests nothing', () => {
  for (const query of ['', '  ', '\n\t']) assert.deepEqual(explain(query), { query, matches: [] });
});

test('the messages the issue names are known', () => {
  const expected: readonly (readonly [string, string])[] = [
    ['variable not found in subplan target list', 'XX000'],
    ['prepared statement "s0" already exists', '42P05'],
    ['prepared statement "s12" does not exist', '26000'],
    ['ON CONFLICT DO UPDATE command cannot affect row a second time', '21000'],
    ['FATAL:  sorry, too many clients already', '53300'],
    ['FATAL:  remaining connection slots are reserved for non-replication superuser connections', '53300'],
    ['FATAL:  terminating connection due to administrator command', '57P01'],
    ['ERROR:  canceling statement due to statement timeout', '57014'],
    ['ERROR:  deadlock detected', '40P01'],
    ['ERROR:  could not serialize access due to read/write dependencies among transactions', '40001'],
    ['Error: timeout exceeded when trying to connect', 'POOL_ACQUIRE_TIMEOUT'],
    ['Error: Connection terminated unexpectedly', '08006'],
    ['server closed the connection unexpectedly', '08006'],
    ['FATAL: no pg_hba.conf entry for host "1.2.3.4", user "u", database "d", SSL off', '28000'],
    ['FATAL: password authentication failed for user "optdb"', '28P01'],
    ['FATAL: database "optdb" does not exist', '3D000'],
    ['relation "options" does not exist', '42P01'],
    ['column "vwap" does not exist', '42703'],
    ['duplicate key value violates unique constraint "options_pkey"', '23505'],
    ['insert or update on table "x" violates foreign key constraint "y"', '23503'],
    ['SSL is not enabled on the server', 'TLS_FAILED'],
    ["Can't reach database server at `db.example.com:5432`", 'P1001'],
    ['Timed out fetching a new connection from the connection pool.', 'P2024'],
    ['FATAL: terminating connection due to idle-in-transaction timeout', '25P03'],
    ['canceling statement due to lock timeout', '55P03'],
    ['could not obtain lock on row in relation "options"', '55P03'],
  ];
  for (const [message, code] of expected) assert.equal(explain(message).matches[0]?.code, code, message);
});

test("Prisma's multi-line error with XX000 inside explains the planner bug, not the wrapper", () => {
  const prisma5 = [
    'Invalid `prisma.optionSnapshot.upsert()` invocation in',
    '/app/src/ingest.ts:35:7',
    '',
    '→ 35 await prisma.optionSnapshot.upsert(',
    'Error occurred during query execution:',
    'ConnectorError(ConnectorError { user_facing_error: None, kind: QueryError(PostgresError { code: "XX000", message: "variable not found in subplan target list", severity: "ERROR", detail: None, column: None, hint: None }), transient: false })',
  ].join('\n');
  const prisma7 =
    'PrismaClientKnownRequestError: \nInvalid `prisma.optionSnapshot.upsert()` invocation:\n\nDatabase error. Code: `XX000`. Message: `variable not found in subplan target list`';
  for (const text of [prisma5, prisma7]) {
    const match = only(text);
    assert.deepEqual([match.kind, match.code, match.message], ['message', 'XX000', 'variable not found in subplan target list']);
    assert.match(match.meaning, /not bad data/);
    assert.equal(match.policy?.action, 'retry-fresh-connection-then-fallback');
  }
  // An unknown message still yields the carried code.
  assert.deepEqual(codesOf('Raw query failed. Code: `22012`. Message: `division by zero!`'), ['22012']);
});

test('a pasted log line yields its codes, not process ids', () => {
  assert.deepEqual(codesOf('2025-10-26 14:02:11.123 UTC [23505] optdb@optdb ERROR:  40P01: deadlock detected'), ['40P01']);
  assert.deepEqual(codesOf("error: relation does exist { length: 97, severity: 'ERROR', code: '53300' }"), ['53300']);
  assert.deepEqual(codesOf('failed to write batch (SQLSTATE 0A000)'), ['0A000']);
});

test('a fragment of a known message or name explains what contains it', () => {
  assert.equal(explain('too many clients').matches[0]?.code, '53300');
  assert.ok(codesOf('lock timeout').includes('55P03'));
});

test('unknown input is said to be unknown, with the closest entries', () => {
  const unknown = explain('foo');
  assert.deepEqual(unknown.matches, []);
  assert.ok(unknown.suggestions && unknown.suggestions.length >= 3 && unknown.suggestions.length <= 5);
  assert.equal(explain('unique violaton').suggestions?.[0]?.code, '23505');
  assert.ok(explain('deadlok').suggestions?.some((suggestion) => suggestion.code === '40P01'));
  assert.ok(explain('40P1').suggestions?.some((suggestion) => suggestion.code === '40P01'));
  assert.deepEqual(explain('P9999').matches, []);
});

test('similarity: edit distance and misspelt words', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(similarity('Unique_Violation', 'unique violation'), 1);
  assert.ok(similarity('deadlok', 'deadlock detected') > similarity('deadlok', 'undefined column'));
});

test('the catalogue holds every SQLSTATE once, each with a class title', () => {
  assert.ok(SQLSTATES.length >= 260, `${SQLSTATES.length} codes`);
  assert.equal(new Set(SQLSTATES.map((entry) => entry.code)).size, SQLSTATES.length);
  // A handful of names repeat across classes (string_data_right_truncation: 01004, 22001), never within one.
  assert.equal(new Set(SQLSTATES.map((entry) => `${entry.classCode}:${entry.name}`)).size, SQLSTATES.length);
  for (const entry of SQLSTATES) {
    assert.match(entry.code, /^[0-9A-Z]{5}$/);
    assert.match(entry.name, /^[a-z0-9_]+$/);
    assert.ok(SQLSTATE_CLASS_TITLES[entry.classCode], `no title for class ${entry.classCode}`);
    assert.ok(explain(entry.code).matches[0]?.meaning, entry.code);
  }
  for (const classCode of Object.keys(SQLSTATE_CLASS_TITLES)) {
    assert.ok(
      SQLSTATES.some((entry) => entry.classCode === classCode),
      `title for class ${classCode} without codes`,
    );
  }
});

test('condition names agree with PostgreSQL 15 errcodes.txt', () => {
  const official = new Map<string, string>();
  for (const line of fs.readFileSync(ERRCODES_TXT, 'utf8').split('\n')) {
    // "40P01    E    ERRCODE_T_R_DEADLOCK_DETECTED    deadlock_detected"; aliases have no name.
    const fields = /^([0-9A-Z]{5})\s+[EWS]\s+ERRCODE_\S+\s+(\S+)/.exec(line);
    if (fields) official.set(fields[1]!, fields[2]!);
  }
  assert.ok(official.size > 250);
  let compared = 0;
  for (const [code, name] of official) {
    const entry = sqlStateByCode(code);
    if (!entry) continue; // removed after 15 (e.g. 72000 snapshot_too_old)
    assert.equal(entry.name, name, code);
    compared++;
  }
  assert.ok(compared > 250, `${compared} compared`);
});

test('notes never restate a policy, and name only real codes and classes', () => {
  for (const [key, note] of Object.entries(SQLSTATE_NOTES)) {
    assert.ok(key.length === 2 ? SQLSTATE_CLASS_TITLES[key] : sqlStateByCode(key), `unknown note key ${key}`);
    const policy = ERROR_POLICIES.find((entry) => entry.code === key);
    if (policy)
      assert.ok(note.meaning === undefined && note.remedy === undefined, `${key} has a policy: its meaning and remedy are the policy's`);
  }
});

test('messages the policy table recognises itself are explained with the same code', () => {
  let compared = 0;
  for (const entry of KNOWN_MESSAGES) {
    const classified = classifyError(new Error(entry.message));
    if (classified.code === 'UNKNOWN') continue;
    assert.equal(classified.code, entry.code, entry.message);
    compared++;
  }
  assert.ok(compared >= 4);
});

test('optdb explain prints a known code and exits 0', async () => {
  const result = await runCli(['explain', 'XX000']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^XX000 {2}internal_error$/m);
  assert.match(result.stdout, /optdb: {4}retries the batch once on a fresh connection/);
  assert.equal(result.stderr, '');
});

test('optdb explain recognises a pasted message', async () => {
  const result = await runCli(['explain', 'prepared statement "s0" already exists']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^42P05 {2}duplicate_prepared_statement$/m);
  assert.match(result.stdout, /PgBouncer/);
});

test("optdb explain prints the message as pasted, not the catalogue's example", async () => {
  for (const [pasted, message] of [
    ['FATAL: password authentication failed for user "postgres"', 'password authentication failed for user "postgres"'],
    ['database "nope" does not exist', 'database "nope" does not exist'],
  ]) {
    const result = await runCli(['explain', pasted!]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(`  message:  ${message}\n`), result.stdout);
    assert.doesNotMatch(result.stdout, /"optdb"/);
  }
});

test('optdb explain with nothing to explain is a usage error: exit 2 saying what to pass', async () => {
  const emptyStdin = async (): Promise<Awaited<ReturnType<typeof collect>>> => {
    const child = spawnCli(['explain', '-'], {}, 'pipe');
    child.stdin?.end(' \n');
    return collect(child);
  };
  for (const result of [
    await runCli(['explain', '']),
    await runCli(['explain', '  ', '']),
    await runCli(['explain', '', '--json']),
    await emptyStdin(),
  ]) {
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: nothing to explain.*: give a SQLSTATE \(XX000\)/m);
    assert.doesNotMatch(result.stderr, /not known|closest matches/);
  }
});

test('optdb explain --json prints the stable object', async () => {
  const result = await runCli(['explain', 'p2034', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as { query: string; matches: Explanation[] };
  assert.equal(parsed.query, 'p2034');
  assert.deepEqual(Object.keys(parsed.matches[0]!), [
    'kind',
    'code',
    'name',
    'equivalent',
    'meaning',
    'triggers',
    'optdbAction',
    'policy',
    'remedy',
  ]);
  assert.equal(parsed.matches[0]!.code, 'P2034');
});

test('optdb explain of unknown input exits 1 with the closest matches', async () => {
  const text = await runCli(['explain', 'foo']);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^not known: foo$/m);
  assert.match(text.stdout, /closest matches:/);
  const json = await runCli(['explain', 'foo', '--json']);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { matches: unknown[]; suggestions: unknown[] };
  assert.deepEqual(parsed.matches, []);
  assert.ok(parsed.suggestions.length >= 3);
});

test('optdb explain - reads a pasted error from stdin', async () => {
  const child = spawnCli(['explain', '-'], {}, 'pipe');
  child.stdin?.end('Error occurred during query execution:\nPostgresError { code: "40P01", message: "deadlock detected" }\n');
  const result = await collect(child);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^40P01 {2}deadlock_detected$/m);
});
