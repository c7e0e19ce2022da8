/**
 * npm run bench:ingest [-- --events N]
 * Generates N events, ingests them as JSON Lines and as gzipped JSON Lines into fresh databases (each run in
 * a child process so its peak RSS is its own), and times sqlite3's `.import` of the same rows as CSV into a
 * table with the same key: the engine's floor.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ingestFiles } from '../src/ingest/ingest-files.js';
import { NO_PROGRESS } from '../src/cli/progress.js';
import { openStore } from '../src/store/open-store.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function* eventLines(n: number): Generator<string> {
  const industries = ['Energy', 'Banking', 'Retail', 'Technology'];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2026, 10, 20, 12) + i * 37).toISOString();
    yield `${JSON.stringify({
      id: `evt-${i}`,
      time: t,
      source: 'billing-sync',
      object: 'Account',
      externalIdField: 'Billing_Id__c',
      externalId: `B-${i % 200_000}`,
      op: 'upsert',
      fields: { Name: `Account ${i % 200_000}`, AnnualRevenue: (i * 7919) % 5_000_000, Industry: industries[i % 4] },
      status: i % 10 === 0 ? 'failed' : 'delivered',
      seq: Math.floor(i / 200_000),
    })}\n`;
  }
}

async function child(): Promise<void> {
  const [file, db] = process.argv.slice(3);
  const store = await openStore(db!);
  const started = performance.now();
  const result = await ingestFiles({ store, now: () => new Date(), progress: () => NO_PROGRESS, stdin: process.stdin }, [file!]);
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  process.stdout.write(JSON.stringify({ seconds, total: result.total, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const n = arg('events', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const jsonl = join(dir, 'events.jsonl');
  await pipeline(Readable.from(eventLines(n)), createWriteStream(jsonl));
  await pipeline(Readable.from(eventLines(n)), createGzip({ level: 6 }), createWriteStream(`${jsonl}.gz`));
  console.log(`bench:ingest  ${n.toLocaleString('en-US')} events  (${(statSync(jsonl).size / 1e6).toFixed(0)} MB JSONL, ${(statSync(`${jsonl}.gz`).size / 1e6).toFixed(0)} MB gzipped)`);

  const self = fileURLToPath(import.meta.url);
  const runs: Record<string, { seconds: number; maxRssMb: number; total: { read: number; accepted: number } }> = {};
  for (const [label, file] of [['jsonl', jsonl], ['jsonl.gz', `${jsonl}.gz`]] as const) {
    const out = spawnSync(process.execPath, [self, '--child', file, join(dir, `${label}.db`)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (out.status !== 0) throw new Error(`child failed: ${out.stderr}`);
    const r = JSON.parse(out.stdout) as (typeof runs)[string];
    runs[label] = r;
    console.log(
      `  ${label.padEnd(9)} ${r.seconds.toFixed(2)} s  ${Math.round(n / r.seconds).toLocaleString('en-US')} events/s  peak RSS ${r.maxRssMb.toFixed(0)} MB  accepted ${r.total.accepted}`,
    );
  }

  let floor: number | null = null;
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
    const csv = join(dir, 'events.csv');
    const out = createWriteStream(csv);
    await pipeline(
      Readable.from(
        (function* () {
          for (const line of eventLines(n)) {
            const e = JSON.parse(line) as Record<string, unknown>;
            const fields = JSON.stringify(e.fields).replaceAll('"', '""');
            yield `${e.source},${e.id},${e.time},${e.object},${e.externalIdField},${e.externalId},${e.op},${e.status},${e.seq},,,"${fields}",h,1,f,1\n`;
          }
        })(),
      ),
      out,
    );
    const floorDb = join(dir, 'floor.db');
    const script = join(dir, 'floor.sql');
    writeFileSync(
      script,
      `PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE events (source TEXT NOT NULL, event_id TEXT NOT NULL, time TEXT NOT NULL, object TEXT NOT NULL, external_id_field TEXT, external_id TEXT NOT NULL, op TEXT NOT NULL, status TEXT NOT NULL, seq INTEGER, error TEXT, sf_id TEXT, fields_json TEXT NOT NULL, content_hash TEXT NOT NULL, batch_id INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (source, event_id));
CREATE INDEX events_record_key ON events (object, external_id);
CREATE INDEX events_time ON events (time);
.mode csv
.import ${csv} events
`,
    );
    const started = performance.now();
    execFileSync('sh', ['-c', `sqlite3 ${floorDb} < ${script}`], { stdio: 'ignore' });
    floor = (performance.now() - started) / 1000;
    console.log(`  floor     ${floor.toFixed(2)} s  sqlite3 .import of the same rows as CSV into the same table and indexes`);
  } catch {
    console.log('  floor     (sqlite3 not found: skipped)');
  }
  if (floor !== null) {
    for (const [label, r] of Object.entries(runs)) console.log(`  ratio     ${label}: ${(r.seconds / floor).toFixed(2)}x the floor`);
  }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') await child();
else await main();
