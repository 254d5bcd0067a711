// Per history (cached on the index): the positions of the longest read of every key whose reads
// are all prefixes of it (keyOrders), laid out together, key k's from base[k], with whether the
// element there is one an append that did not fail wrote. A pass over a read of such a key can
// then walk this (and arrays laid out like it) in order instead of looking up scattered elements.

import { keyOrders } from './deps-check.js';
import { ELEM_OK, type OrderIndex } from './index.js';

export interface KeyPositions {
  /** Per key: where its positions start (keys that fork, or have no read, have none). */
  base: Int32Array;
  /** Per position: 1 when its element's status is ELEM_OK. */
  ok: Uint8Array;
}

const cache = new WeakMap<OrderIndex, KeyPositions>();

export function keyPositions(ix: OrderIndex): KeyPositions {
  let kp = cache.get(ix);
  if (kp === undefined) cache.set(ix, (kp = build(ix)));
  return kp;
}

function build(ix: OrderIndex): KeyPositions {
  const { ordered, longest } = keyOrders(ix);
  const keys = ix.keys.length;
  const base = new Int32Array(keys + 1);
  for (let k = 0; k < keys; k++) base[k + 1] = base[k] + (ordered[k] === 1 && longest[k] >= 0 ? ix.readLen[longest[k]] : 0);
  const ok = new Uint8Array(base[keys]);
  for (let k = 0; k < keys; k++) {
    if (base[k + 1] === base[k]) continue;
    for (let p = base[k], j = ix.readStart[longest[k]]; p < base[k + 1]; p++, j++) ok[p] = ix.elemStatus[ix.readElems[j]] === ELEM_OK ? 1 : 0;
  }
  return { base, ok };
}
