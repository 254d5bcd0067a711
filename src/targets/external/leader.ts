// Leader discovery for external targets: polls the client module's leader() or the file's
// command (stdout: the node's name) in the background, so the nemesis can ask synchronously.

import { execa } from 'execa';
import type { ExternalTargetConfig } from '../../config/types.js';
import type { NodeId } from '../types.js';
import type { ExternalClient } from './client-api.js';
import type { ExternalNodes } from './external-nodes.js';
import { substituteArgv } from './placeholders.js';

const CLIENT_POLL_MS = 250;
const ASK_TIMEOUT_MS = 1500;

export interface LeaderWatch {
  /** The newest answer (undefined: no leader known, or a dead node). */
  current(): NodeId | undefined;
  /** Resolves after the first answer (or its timeout). */
  first(): Promise<void>;
  stop(): void;
}

async function askCommand(argv: string[], cwd: string): Promise<string | undefined> {
  const r = await execa(argv[0], argv.slice(1), { reject: false, timeout: ASK_TIMEOUT_MS, stdin: 'ignore', cwd });
  const out = String(r.stdout ?? '').trim();
  return r.exitCode === 0 && out ? out : undefined;
}

export function startLeaderWatch(cfg: ExternalTargetConfig, client: ExternalClient, nodes: ExternalNodes): LeaderWatch {
  const names = nodes.slots.map((s) => s.name);
  let leader: NodeId | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let firstDone: () => void = () => {};
  const first = new Promise<void>((r) => (firstDone = r));
  const spec = cfg.leader;
  if (spec === 'none' || (spec === 'client' && typeof client.leader !== 'function')) {
    firstDone();
    return { current: () => undefined, first: () => first, stop: () => undefined };
  }
  const everyMs = spec === 'client' ? CLIENT_POLL_MS : spec.everyMs;
  const argv = spec === 'client' ? [] : substituteArgv(spec.command, nodes.clientNodes()[0].vars);
  const ask = async (): Promise<string | undefined> =>
    spec === 'client' ? client.leader!({ signal: AbortSignal.timeout(ASK_TIMEOUT_MS) }) : askCommand(argv, nodes.cwd);
  const poll = (): void => {
    ask()
      .then((l) => (leader = l !== undefined && names.includes(l) ? l : undefined))
      .catch(() => (leader = undefined))
      .finally(() => {
        firstDone();
        if (!stopped) timer = setTimeout(poll, everyMs).unref();
      });
  };
  poll();
  return {
    current: () => {
      const i = leader === undefined ? -1 : names.indexOf(leader);
      return i >= 0 && nodes.slots[i].alive ? leader : undefined;
    },
    first: () => first,
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
