/**
 * npm run bench:ingest [-- --events N]
 * Generates N events (default 1,000,000), ingests them as JSON Lines, as gzipped JSON Lines, and as JSON Lines
 * with parsing kept on the main thread, each into a fresh database in a child process (so its peak RSS is its
 * own), through the real ingest code. Where `sqlite3` exists, times its `.import` of the same rows as CSV into
 * a table with the same columns, key and indexes, once before and once after our runs: the engine's floor.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

/** CPU seconds (user + system) of the calling thread; Linux only (0 elsewhere). */
function threadCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of this process's finished children (sqlite3); Linux only. */
function childrenCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

async function child(): Promise<void> {
  const [file, db, thread] = process.argv.slice(3);
  const store = await openStore(db!);
  const cpuStart = process.cpuUsage();
  const mainStart = threadCpuSeconds();
  const started = performance.now();
  const result = await ingestFiles({ store, now: () => new Date(), progress: () => NO_PROGRESS, stdin: process.stdin }, [file!], {
    thread: thread as 'auto' | 'main',
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainCpu = threadCpuSeconds() - mainStart;
  await store.close();
  process.stdout.write(
    JSON.stringify({ seconds, total: result.total, maxRssMb: process.resourceUsage().maxRSS / 1024, mainCpu, otherCpu: (cpu.user + cpu.system) / 1e6 - mainCpu }),
  );
}

/** The rows as sqlite3's CSV import reads them: the same columns our ingest stores. */
async function writeFloorCsv(n: number, csv: string): Promise<void> {
  await pipeline(
    Readable.from(
      (function* () {
        let i = 1;
        for (const line of eventLines(n)) {
          const e = JSON.parse(line) as Record<string, unknown>;
          const fields = JSON.stringify(e.fields).replaceAll('"', '""');
          yield `${e.source},${e.id},${e.time},${e.object},${e.externalIdField},${e.externalId},${e.op},${e.status},${e.seq},,,"${fields}",1,events.jsonl,${i++}\n`;
        }
      })(),
    ),
    createWriteStream(csv),
  );
}

/** Seconds sqlite3's `.import` takes to load the CSV into a fresh database with our table, key and indexes. */
function timeFloor(dir: string, csv: string, run: number): { seconds: number; cpu: number } {
  const floorDb = join(dir, `floor-${run}.db`);
  const script = join(dir, 'floor.sql');
  writeFileSync(
    script,
    `PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE events (source TEXT NOT NULL, event_id TEXT NOT NULL, time TEXT NOT NULL, object TEXT NOT NULL, external_id_field TEXT, external_id TEXT NOT NULL, op TEXT NOT NULL, status TEXT NOT NULL, seq INTEGER, error TEXT, sf_id TEXT, fields_json TEXT NOT NULL, batch_id INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (source, event_id));
CREATE INDEX events_record_key ON events (object, external_id);
CREATE INDEX events_time ON events (time);
.mode csv
.import ${csv} events
`,
  );
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  execFileSync('sh', ['-c', `sqlite3 ${floorDb} < ${script}`], { stdio: 'ignore' });
  const seconds = (performance.now() - started) / 1000;
  const cpu = childrenCpuSeconds() - cpuBefore;
  rmSync(floorDb, { force: true });
  rmSync(`${floorDb}-wal`, { force: true });
  return { seconds, cpu };
}

async function main(): Promise<void> {
  const n = arg('events', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const jsonl = join(dir, 'events.jsonl');
  await pipeline(Readable.from(eventLines(n)), createWriteStream(jsonl));
  await pipeline(Readable.from(eventLines(n)), createGzip({ level: 6 }), createWriteStream(`${jsonl}.gz`));
  console.log(`bench:ingest  ${n.toLocaleString('en-US')} events  (${(statSync(jsonl).size / 1e6).toFixed(0)} MB JSONL, ${(statSync(`${jsonl}.gz`).size / 1e6).toFixed(0)} MB gzipped)`);
  // The machine is shared: the load average says how much of its two cores the figures below had.
  console.log(`  load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  let hasSqlite3 = true;
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
  } catch {
    hasSqlite3 = false;
  }
  const csv = join(dir, 'events.csv');
  const floors: { seconds: number; cpu: number }[] = [];
  if (hasSqlite3) {
    await writeFloorCsv(n, csv);
    floors.push(timeFloor(dir, csv, 1));
  }

  const self = fileURLToPath(import.meta.url);
  const runs: { label: string; seconds: number; busiestCpu: number }[] = [];
  const cases = [
    ['jsonl', jsonl, 'auto'],
    ['jsonl.gz', `${jsonl}.gz`, 'auto'],
    ['jsonl, parsing on the main thread', jsonl, 'main'],
  ] as const;
  for (const [label, file, thread] of cases) {
    const db = join(dir, 'run.db');
    const out = spawnSync(process.execPath, [self, '--child', file, db, thread], { encoding: 'utf8', maxBuffer: 1 << 20 });
    rmSync(db, { force: true });
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    if (out.status !== 0) throw new Error(`child failed: ${out.stderr}`);
    const r = JSON.parse(out.stdout) as { seconds: number; maxRssMb: number; mainCpu: number; otherCpu: number; total: { accepted: number } };
    if (r.total.accepted !== n) throw new Error(`${label}: accepted ${r.total.accepted} of ${n}`);
    runs.push({ label, seconds: r.seconds, busiestCpu: Math.max(r.mainCpu, r.otherCpu) });
    console.log(
      `  ${label.padEnd(34)} ${r.seconds.toFixed(2).padStart(6)} s  ${Math.round(n / r.seconds).toLocaleString('en-US').padStart(8)} events/s  peak RSS ${r.maxRssMb.toFixed(0)} MB  CPU: main thread ${r.mainCpu.toFixed(1)} s, other threads ${r.otherCpu.toFixed(1)} s`,
    );
  }

  if (hasSqlite3) {
    floors.push(timeFloor(dir, csv, 2));
    // The faster of two floor runs (one before, one after ours): the stricter comparison.
    const floor = floors.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    console.log(
      `  ${'floor: sqlite3 .import (CSV)'.padEnd(34)} ${floor.seconds.toFixed(2).padStart(6)} s  ${Math.round(n / floor.seconds).toLocaleString('en-US').padStart(8)} rows/s    CPU ${floor.cpu.toFixed(1)} s  (runs: ${floors.map((f) => f.seconds.toFixed(2)).join(' s, ')} s; same table, key and indexes)`,
    );
    for (const r of runs) {
      // With other work on the machine, wall time depends on the share of the cores we got; the busier
      // thread's CPU time against the floor's CPU time is what the ratio would be with both cores free.
      console.log(`  ratio  ${r.label}: ${(r.seconds / floor.seconds).toFixed(2)}x the floor (wall); busier thread's CPU ${(r.busiestCpu / floor.cpu).toFixed(2)}x the floor's CPU`);
    }
  } else {
    console.log('  floor  (sqlite3 not found: skipped)');
  }
  console.log(`  load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') await child();
else await main();
