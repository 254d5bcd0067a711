// Test helper: a headless Debian chromium driven by playwright-core, with a fresh profile, that
// is always closed (and its process killed by PID if closing fails).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface OwnedBrowser {
  context: BrowserContext;
  /** PID of the browser process, when known. */
  pid?: number;
  close(): Promise<void>;
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches chromium with a temp --user-data-dir (a persistent context, so we own the process). */
export async function launchBrowser(): Promise<OwnedBrowser> {
  const profileDir = mkdtempSync(join(tmpdir(), 'replcheck-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(profileDir, { recursive: true, force: true });
    throw e;
  }
  const browser: Browser | null = context.browser();
  // A persistent context does not expose its process: find it by its unique profile dir.
  const pid = findPidByArg(profileDir);
  let closed = false;
  return {
    context,
    pid,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await Promise.race([
          (browser ?? context).close(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('close timed out')), 15_000)),
        ]);
      } catch {
        if (pid) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      } finally {
        rmSync(profileDir, { recursive: true, force: true });
      }
    },
  };
}

/** The PID of the process whose command line mentions `arg` (the browser's own profile dir). */
function findPidByArg(arg: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      // The main browser process has --user-data-dir and no --type= (children carry --type=renderer etc.).
      if (cmd.includes(arg) && !cmd.includes('--type=')) return Number(name);
    } catch {
      // raced with an exiting process
    }
  }
  return undefined;
}

