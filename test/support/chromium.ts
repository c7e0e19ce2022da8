import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

export interface PageResult {
  consoleErrors: string[];
  /** Bounding boxes of the elements asked for, by selector. */
  boxes: Record<string, { width: number; height: number } | null>;
  screenshotPng: Buffer;
}

/**
 * Opens a page in headless Chromium (Debian's package) over the DevTools protocol on a pipe (fds 3 and 4:
 * no port, no extra dependency), collects console errors and exceptions, measures elements, screenshots.
 */
export async function openInChromium(url: string, selectors: readonly string[]): Promise<PageResult> {
  if (CHROMIUM === null) throw new Error('chromium is not installed (apt-get install chromium; .ci/run does it)');
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  const child = spawn(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let nextId = 1;
  const pending = new Map<number, (msg: { result?: unknown; error?: unknown }) => void>();
  const listeners: ((msg: { method?: string; params?: Record<string, unknown>; sessionId?: string }) => void)[] = [];
  let buffer = '';
  fromBrowser.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buffer.slice(0, end)) as { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };
      buffer = buffer.slice(end + 1);
      if (msg.id !== undefined) pending.get(msg.id)?.(msg);
      else for (const l of listeners) l(msg);
    }
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (msg) => (msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result as T)));
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  try {
    const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const consoleErrors: string[] = [];
    let loaded: () => void = () => {};
    const load = new Promise<void>((r) => (loaded = r));
    listeners.push((msg) => {
      if (msg.sessionId !== sessionId) return;
      if (msg.method === 'Runtime.exceptionThrown') consoleErrors.push(JSON.stringify(msg.params));
      if (msg.method === 'Runtime.consoleAPICalled' && msg.params?.type === 'error') consoleErrors.push(JSON.stringify(msg.params?.args));
      if (msg.method === 'Log.entryAdded' && (msg.params?.entry as { level?: string })?.level === 'error') consoleErrors.push(JSON.stringify(msg.params?.entry));
      if (msg.method === 'Page.loadEventFired') loaded();
    });
    await send('Runtime.enable', {}, sessionId);
    await send('Log.enable', {}, sessionId);
    await send('Page.enable', {}, sessionId);
    await send('Emulation.setDeviceMetricsOverride', { width: 1000, height: 1400, deviceScaleFactor: 1, mobile: false }, sessionId);
    await send('Page.navigate', { url }, sessionId);
    await Promise.race([load, new Promise((_, reject) => setTimeout(() => reject(new Error('page did not load in 20 s')), 20_000))]);
    const expression = `JSON.stringify(Object.fromEntries(${JSON.stringify(selectors)}.map((s) => { const e = document.querySelector(s); if (!e) return [s, null]; const r = e.getBoundingClientRect(); return [s, { width: r.width, height: r.height }]; })))`;
    const evaluated = await send<{ result: { value: string } }>('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
    const shot = await send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId);
    return { consoleErrors, boxes: JSON.parse(evaluated.result.value) as PageResult['boxes'], screenshotPng: Buffer.from(shot.data, 'base64') };
  } finally {
    // Close the browser and wait for it: killing it and removing the profile at once races with its helper
    // processes still writing there (ENOTEMPTY).
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    toBrowser.on('error', () => {}); // the browser may be gone already (EPIPE): then there is nothing to close
    toBrowser.write(`${JSON.stringify({ id: nextId++, method: 'Browser.close', params: {} })}\0`, () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
