// The field names of a history line (SPEC section 4 and the `served` extension), recognised from
// their bytes by the scanner without making a string of them.

export const INDEX = 0;
export const TIME = 1;
export const PROCESS = 2;
export const SESSION = 3;
export const USER = 4;
export const TYPE = 5;
export const F = 6;
export const KEY = 7;
export const VALUE = 8;
export const NODE = 9;
export const FINAL = 10;
export const ERROR = 11;
export const SERVED = 12;

/** The fields a line must have to be scanned (the rest are optional). */
export const REQUIRED_FIELDS = (1 << INDEX) | (1 << TIME) | (1 << PROCESS) | (1 << TYPE) | (1 << F) | (1 << KEY) | (1 << VALUE);

const NAMES = ['index', 'time', 'process', 'session', 'user', 'type', 'f', 'key', 'value', 'node', 'final', 'error', 'served'];

/** Each field's name as it opens the field in a line: `"index":` and so on. */
const OPENERS = NAMES.map((n) => Uint8Array.from(`"${n}":`, (c) => c.charCodeAt(0)));
/** The length of field `id`'s opener. */
export const OPENER_LENGTH = OPENERS.map((o) => o.length);

/** Field ids by the first letter of the name; -2 for `t` (time, type), -3 `s` (session, served), -4 `f` (f, final). */
const BY_FIRST = new Int8Array(256).fill(-1);
for (const id of [INDEX, PROCESS, USER, KEY, VALUE, NODE, ERROR]) BY_FIRST[NAMES[id].charCodeAt(0)] = id;
BY_FIRST[116] = -2;
BY_FIRST[115] = -3;
BY_FIRST[102] = -4;

/** The id of the field whose opener (`"name":`) is at `b[p]`, or -1 when none is. */
export function fieldAt(b: Uint8Array, p: number, end: number): number {
  if (p + 4 > end || b[p] !== 34) return -1;
  let id: number = BY_FIRST[b[p + 1]];
  if (id === -2) id = b[p + 2] === 105 ? TIME : TYPE;
  else if (id === -3) id = b[p + 3] === 115 ? SESSION : SERVED;
  else if (id === -4) id = b[p + 2] === 34 ? F : FINAL;
  if (id < 0) return -1;
  const opener = OPENERS[id];
  if (p + opener.length > end) return -1;
  for (let i = 2; i < opener.length; i++) if (b[p + i] !== opener[i]) return -1;
  return id;
}
