/** The `miner.hotkeys` setting: further hotkeys one miner process serves, each on its own axon port. */
import { RoadworkError } from '../errors/index.js';

/** One further hotkey: a wallet file (or a secret) and the axon port that answers for it. */
export interface HotkeyEntry {
  /** Wallet (coldkey) folder name under `wallet.path`. */
  readonly name: string;
  /** Hotkey file name. */
  readonly hotkey: string;
  /** Axon port of this hotkey (0: any free port, for tests). */
  readonly port: number;
  /** Port published on chain; 0 = `port`. */
  readonly externalPort: number;
  /** Mnemonic, 0x seed or secret URI used instead of the wallet file; '' = the file. */
  readonly secret: string;
}

const FORM =
  'a list of further hotkeys, each "<wallet.name>/<wallet.hotkey>:<port>" or {name, hotkey, port, external_port, secret}';

function expected(what: string): never {
  throw new RoadworkError('ERR_CONFIG_INVALID', what);
}

function port(raw: unknown, where: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) expected(`${FORM}; ${where} is not a port from 0 to 65535`);
  return n;
}

function text(raw: unknown, where: string): string {
  if (typeof raw !== 'string') expected(`${FORM}; ${where} is not a string`);
  return raw.trim();
}

// The short form fits a flag or an environment variable: "miner2/default:8092".
function fromString(entry: string, i: number): HotkeyEntry {
  const m = /^([^/:]+)\/([^/:]+):(\d+)$/.exec(entry.trim());
  if (m === null) expected(`${FORM}; entry ${i + 1} is not of the form name/hotkey:port`);
  return { name: m[1]!, hotkey: m[2]!, port: port(m[3], `entry ${i + 1}`), externalPort: 0, secret: '' };
}

// Never puts a field's value in the message: `secret` holds a mnemonic.
function fromObject(entry: Record<string, unknown>, i: number): HotkeyEntry {
  const where = `entry ${i + 1}`;
  const unknown = Object.keys(entry).filter(
    (k) => !['name', 'hotkey', 'port', 'external_port', 'secret'].includes(k),
  );
  if (unknown.length > 0) expected(`${FORM}; ${where} has unknown keys: ${unknown.join(', ')}`);
  const secret = entry.secret === undefined ? '' : text(entry.secret, `${where}'s secret`);
  const name = entry.name === undefined ? 'default' : text(entry.name, `${where}'s name`);
  const hotkey = entry.hotkey === undefined ? 'default' : text(entry.hotkey, `${where}'s hotkey`);
  if (entry.port === undefined) expected(`${FORM}; ${where} has no port`);
  return {
    name,
    hotkey,
    port: port(entry.port, `${where}'s port`),
    externalPort:
      entry.external_port === undefined ? 0 : port(entry.external_port, `${where}'s external_port`),
    secret,
  };
}

/**
 * Parses `miner.hotkeys`: an array (config file) of strings or objects, or a string (flag, environment)
 * that is a JSON array or comma-separated short forms. Wallet names, hotkeys and ports must each be
 * distinct; that they differ from the main hotkey's is checked when the wallets are loaded.
 */
export function hotkeyList(raw: unknown): readonly HotkeyEntry[] {
  let items: unknown = raw;
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s.startsWith('[')) {
      try {
        items = JSON.parse(s);
      } catch {
        expected(`${FORM}; the JSON array does not parse`);
      }
    } else items = s === '' ? [] : s.split(',');
  }
  if (!Array.isArray(items)) expected(FORM);
  const entries = items.map((item: unknown, i) => {
    if (typeof item === 'string') return fromString(item, i);
    if (item !== null && typeof item === 'object' && !Array.isArray(item))
      return fromObject(item as Record<string, unknown>, i);
    return expected(`${FORM}; entry ${i + 1} is neither`);
  });
  const ports = entries.map((e) => e.port).filter((p) => p !== 0);
  const twice = ports.find((p, i) => ports.indexOf(p) !== i);
  if (twice !== undefined) expected(`${FORM}; port ${twice} is given twice`);
  return Object.freeze(entries.map((e) => Object.freeze(e)));
}

/** `miner.hotkeys` safe to print: each entry's secret replaced. */
export function redactHotkeys(entries: readonly HotkeyEntry[]): readonly HotkeyEntry[] {
  return entries.map((e) => (e.secret === '' ? e : { ...e, secret: '[redacted]' }));
}
