// Mutations of signed ImageSynapse requests for the fault battery's fuzz scenario: headers, routes,
// bodies, JSON, base64, image bytes and raw HTTP framing, each case built from a freshly signed request
// (the signature covers no body field, so a mutated body still reaches the body and image code).
import type { Rng } from '../src/core/random/index.js';
import type { Wire } from './_traffic.js';
import { SYNAPSE_HEADERS } from '../src/wire/protocol/index.js';

/** One mutated request. */
export interface FuzzCase {
  /** Which family of mutation made it (the report counts outcomes per family). */
  readonly family: Family;
  /** What was done, for a report line. */
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  /** When set, these exact bytes go on a fresh socket instead (framing Node's client will not write). */
  readonly raw?: Buffer;
}

/** Families of mutation and their relative weights. */
export const FAMILIES = Object.freeze({
  valid: 4,
  header: 16,
  route: 5,
  body: 14,
  json: 16,
  base64: 14,
  image: 25,
  raw: 6,
});

/** A family's name. */
export type Family = keyof typeof FAMILIES;

/** What mutations start from. */
export interface FuzzMaterial {
  /** Valid images (base64) of every accepted format and odd shapes: the `valid` family's. */
  readonly images: readonly string[];
  /**
   * The 224² baseline JPEG validators send (base64): what the other families mutate around. It takes
   * the miner's fast decode path, so the battery's time goes to mutations rather than to libvips.
   */
  readonly scene: string;
  /** Mutated images (base64), built once by `imageMutants` (each decodable one then costs one prediction). */
  readonly mutants: readonly string[];
  /** A registered-looking but unknown hotkey (ss58), for blacklist paths. */
  readonly stranger: string;
}

/** Signs a request for `image` (base64); `timeoutS` overrides the validator's 9 s. */
export type SignFn = (image: string, o?: { timeoutS?: number }) => Wire;

/**
 * Values that break a header or field in a different way each (ones Node's client will send: tab,
 * printable ASCII and latin-1 only); the fuzz tests share them.
 */
export const JUNK = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '0x',
  '0x' + 'ff'.repeat(64),
  '0x' + 'zz'.repeat(64),
  'é',
  '9'.repeat(400),
  '{"a":1}',
  'null',
  '5'.repeat(48),
  '\t',
  '../../etc/passwd',
  'ImageSynapse',
  '%00',
  'a'.repeat(5000),
] as const;

// Every header the axon reads, plus the two sizes and the content type a dendrite also sends.
const SIGNED_HEADERS = [...SYNAPSE_HEADERS, 'header_size', 'total_size', 'content-type'];

/** The next mutated request. */
export function fuzzCase(rng: Rng, sign: SignFn, m: FuzzMaterial): FuzzCase {
  const family = pickFamily(rng);
  if (family === 'image') {
    const wire = sign(rng.choice(m.mutants));
    return plain(family, 'image bytes', wire);
  }
  if (family === 'raw') return rawCase(rng, sign, m);
  if (family === 'valid') return plain(family, 'unchanged', sign(rng.choice(m.images)));
  const image = m.scene;
  if (family === 'base64') {
    const [what, b64] = mutateBase64(rng, image);
    return plain(family, what, sign(b64));
  }
  const wire = sign(image);
  if (family === 'header') return headerCase(rng, wire, m);
  if (family === 'route') return routeCase(rng, wire);
  if (family === 'body') return bodyCase(rng, wire);
  return jsonCase(rng, wire);
}

function pickFamily(rng: Rng): Family {
  const total = Object.values(FAMILIES).reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (const [name, weight] of Object.entries(FAMILIES)) {
    x -= weight;
    if (x < 0) return name as Family;
  }
  return 'valid';
}

function plain(family: Family, what: string, wire: Wire, patch: Partial<FuzzCase> = {}): FuzzCase {
  return {
    family,
    what,
    method: 'POST',
    path: wire.path,
    headers: { ...wire.headers },
    body: wire.body,
    ...patch,
  };
}

function headerCase(rng: Rng, wire: Wire, m: FuzzMaterial): FuzzCase {
  const headers: Record<string, string | string[]> = { ...wire.headers };
  const did: string[] = [];
  for (let k = 0, n = rng.int(1, 3); k < n; k++) {
    const key = rng.choice(SIGNED_HEADERS);
    const op = rng.int(0, 9);
    if (op <= 1) {
      delete headers[key];
      did.push(`-${key}`);
    } else if (op <= 4) {
      headers[key] = rng.choice(JUNK);
      did.push(`${key}=junk`);
    } else if (op === 5) {
      headers[key] = [String(headers[key] ?? 'x'), rng.choice(JUNK)];
      did.push(`${key} twice`);
    } else if (op === 6) {
      // Node lower-cases names: an upper-case copy arrives as a repeat of the same header.
      headers[key.toUpperCase()] = String(headers[key] ?? 'x');
      did.push(`${key} upper-case copy`);
    } else if (op === 7) {
      headers.bt_header_dendrite_hotkey = m.stranger;
      did.push('unregistered hotkey');
    } else if (op === 8) {
      const sig = String(wire.headers.bt_header_dendrite_signature);
      const at = rng.int(2, sig.length - 1);
      headers.bt_header_dendrite_signature =
        sig.slice(0, at) + (sig[at] === 'a' ? 'b' : 'a') + sig.slice(at + 1);
      did.push('signature with one hex digit changed');
    } else {
      const count = rng.choice([20, 200, 1000]);
      for (let i = 0; i < count; i++) headers[`x-fuzz-${i}`] = 'v'.repeat(rng.int(1, 100));
      did.push(`${count} extra headers`);
    }
  }
  return plain('header', did.join(', '), wire, { headers });
}

function routeCase(rng: Rng, wire: Wire): FuzzCase {
  const method = rng.choice(['POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET', 'HEAD']);
  const path = rng.choice([
    '/ImageSynapse',
    '/ExtendedImageSynapse',
    '/imagesynapse',
    '/ImageSynapse?x=1',
    '//ImageSynapse',
    '/ImageSynapse/../',
    '/%2e%2e/ImageSynapse',
    '/',
    '/x',
    `/${'a'.repeat(4000)}`,
    '/health',
    '/metrics',
  ]);
  const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : wire.body;
  return plain('route', `${method} ${path.slice(0, 40)}`, wire, { method, path, body });
}

const BIG = 'x'.repeat(3 << 20);

function bodyCase(rng: Rng, wire: Wire): FuzzCase {
  const b = wire.body;
  const op = rng.int(0, 13);
  const out = (what: string, body: Buffer | string) =>
    plain('body', what, wire, { body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body });
  if (op === 0) return out('random bytes', randomBytes(rng, rng.int(0, 4096)));
  if (op === 1) return out('empty', '');
  if (op === 2) return out('truncated', b.subarray(0, rng.int(0, b.length - 1)));
  if (op === 3)
    return out('trailing garbage', Buffer.concat([b, Buffer.from(rng.choice(['}', ' x', ',', '\0']))]));
  if (op === 4) return out('byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]));
  if (op === 5)
    return out('not an object', rng.choice(['[]', 'null', '1', '"x"', 'true', '{}', '{"image"}']));
  if (op === 6) {
    const depth = rng.choice([1000, 100_000, 1_000_000]);
    return out(`${depth} open brackets`, rng.chance(0.5) ? '['.repeat(depth) : '{"a":'.repeat(depth));
  }
  if (op === 7) return out('1 MB of whitespace first', ' '.repeat(1 << 20) + b.toString('utf8'));
  if (op === 8) return out('UTF-16', Buffer.from(b.toString('utf8'), 'utf16le'));
  if (op === 9) {
    const at = b.indexOf('"image": "') + 12;
    return out(
      'invalid UTF-8 in the image',
      Buffer.concat([b.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), b.subarray(at)]),
    );
  }
  if (op === 10) {
    const copy = Buffer.from(b);
    for (let i = 0, n = rng.int(1, 8); i < n; i++) copy[rng.int(0, copy.length - 1)] = rng.int(0, 255);
    return out('bytes flipped', copy);
  }
  if (op === 11) return out('body twice', Buffer.concat([b, b]));
  if (op === 12)
    return out('NUL bytes', Buffer.concat([b.subarray(0, 40), Buffer.alloc(64), b.subarray(40)]));
  // Big bodies are rare: they cost the client and the miner far more than the rest.
  if (rng.chance(0.01)) return out('25 MiB body (over the limit)', Buffer.alloc(25 << 20, 0x20));
  if (rng.chance(0.1)) return out('3 MB string field', b.toString('utf8').replace('{', `{"pad": "${BIG}", `));
  return out('short string field', b.toString('utf8').replace('{', `{"pad": "${BIG.slice(0, 1000)}", `));
}

function jsonCase(rng: Rng, wire: Wire): FuzzCase {
  const text = wire.body.toString('utf8');
  const synapse = JSON.parse(text) as Record<string, unknown>;
  const image = String(synapse.image);
  const op = rng.int(0, 14);
  const out = (what: string, body: string | Record<string, unknown>) =>
    plain('json', what, wire, {
      body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'),
    });
  const withField = (key: string, value: unknown) =>
    out(`${key} = ${describe(value)}`, { ...synapse, [key]: value });
  if (op === 0) return withField('image', rng.choice([1, null, [], {}, true, 0.5, [image], { image }]));
  if (op === 1) {
    const { image: _drop, ...rest } = synapse;
    return out('no image', rest);
  }
  if (op === 2) {
    // JSON.parse keeps the last of a repeated key; either order must be handled.
    const junk = rng.choice(['""', '1', 'null', '"AAAA"', '{}']);
    const first = rng.chance(0.5);
    const dup = first ? `{"image": ${junk}, ${text.slice(1)}` : `${text.slice(0, -1)}, "image": ${junk}}`;
    return out(`image twice (${first ? 'junk first' : 'junk last'})`, dup);
  }
  if (op === 3) {
    const depth = rng.choice([100, 5000, 100_000]);
    return out(
      `extra field nested ${depth} deep`,
      text.replace('{', `{"extra": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}, `),
    );
  }
  if (op === 4) {
    const n = rng.choice([1000, 50_000]);
    const many: Record<string, unknown> = { ...synapse };
    for (let i = 0; i < n; i++) many[`k${i}`] = i;
    return out(`${n} extra keys`, many);
  }
  if (op === 5)
    return out(
      '__proto__ and constructor fields',
      text.replace(
        '{',
        '{"__proto__": {"image": 1, "polluted": true}, "constructor": {"prototype": {"x": 1}}, ',
      ),
    );
  if (op === 6)
    return withField(
      'dendrite',
      rng.choice(['x', [], null, 1, { status_code: 'x'.repeat(5000) }, manyKeys(200)]),
    );
  if (op === 7)
    return withField('axon', rng.choice(['x', [], null, { ['k'.repeat(100)]: 1 }, manyKeys(200)]));
  if (op === 8) return withField('timeout', rng.choice([-1, 0, 'abc', 1e308, null, [9]]));
  if (op === 9) return withField('name', rng.choice(['', 'Other', 'x'.repeat(5000), 7, null]));
  if (op === 10)
    return withField('required_hash_fields', rng.choice([['image'], Array(10_000).fill('x'), 'image', {}]));
  if (op === 11)
    return out(
      'numbers out of range',
      text
        .replace('"timeout": 9.0', '"timeout": 1e999')
        .replace('"prediction": -1.0', '"prediction": -1e999'),
    );
  if (op === 12)
    return out(
      'image as \\u escapes',
      text.replace(
        `"image": "${image}"`,
        `"image": "${[...image.slice(0, 64)].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}${image.slice(64)}"`,
      ),
    );
  if (op === 13)
    return withField('testnet_label', rng.choice(['\ud800', '\u0000', 'x'.repeat(2000), { a: 1 }]));
  return withField('prediction', rng.choice(['x', null, [1], 2, -5, '0.5']));
}

function mutateBase64(rng: Rng, b64: string): [string, string] {
  const op = rng.int(0, 11);
  if (op === 0) return ['padding stripped', b64.replace(/=+$/, '') + (b64.endsWith('=') ? '' : 'A')];
  if (op === 1) return ['URL-safe alphabet', b64.replace(/\+/g, '-').replace(/\//g, '_') + '-_'];
  if (op === 2) return ['MIME line breaks', b64.replace(/.{76}/g, '$&\n')];
  if (op === 3) return ['data URL', `data:image/jpeg;base64,${b64}`];
  if (op === 4) {
    const at = rng.int(0, b64.length - 1);
    return [
      'invalid character',
      b64.slice(0, at) + rng.choice(['*', '!', '€', ' ', '\u0000', '"']) + b64.slice(at + 1),
    ];
  }
  if (op === 5) return ['cut to a non-multiple of 4', b64.slice(0, rng.int(1, b64.length - 1) | 1)];
  if (op === 6)
    return ['cut to whole groups (truncated image)', b64.slice(0, rng.int(1, b64.length / 4 - 1) * 4)];
  if (op === 7) return ['base64 of base64', Buffer.from(b64).toString('base64')];
  if (op === 8) return ['hex instead', Buffer.from(b64, 'base64').toString('hex')];
  if (op === 9) return ['padding in the middle', `${b64.slice(0, 8)}==${b64.slice(10)}`];
  if (op === 10) return ['one group', rng.choice(['AAAA', '/9j/', 'iVBO', '====', 'A==='])];
  return ['lower-cased', b64.toLowerCase()];
}

function rawCase(rng: Rng, sign: SignFn, m: FuzzMaterial): FuzzCase {
  const image = m.scene;
  const op = rng.int(0, 13);
  // Slow framing cases carry a 1 s timeout: the miner gives up on the body after 0.5 s.
  const wire = sign(image, op === 6 || op === 12 ? { timeoutS: 1 } : {});
  const head = (
    extra: string[] = [],
    length: number | string | undefined = wire.body.length,
    line = `POST ${wire.path} HTTP/1.1`,
  ) =>
    [
      line,
      'host: 127.0.0.1',
      ...Object.entries(wire.headers).map(([k, v]) => `${k}: ${v}`),
      ...(length === undefined ? [] : [`content-length: ${length}`]),
      ...extra,
      '',
      '',
    ].join('\r\n');
  const raw = (what: string, ...parts: (string | Buffer)[]) =>
    plain('raw', what, wire, {
      raw: Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p))),
    });
  if (op === 0) return raw('garbage request line', 'GARBAGE\r\n\r\n');
  if (op === 1)
    return raw('HTTP/1.0 request', head([], wire.body.length, `POST ${wire.path} HTTP/1.0`), wire.body);
  if (op === 2) return raw('negative content-length', head([], -5), wire.body);
  if (op === 3)
    return raw('two different content-lengths', head([`content-length: ${wire.body.length + 7}`]), wire.body);
  if (op === 4) return raw('declares 30 MB, sends none', head([], 30_000_000));
  if (op === 5)
    return raw('declares less than it sends', head([], Math.floor(wire.body.length / 2)), wire.body);
  if (op === 6) return raw('declares more than it sends', head([], wire.body.length + 1000), wire.body);
  if (op === 7) {
    const chunks = chunked(rng, wire.body);
    return raw('chunked body', head(['transfer-encoding: chunked'], undefined), chunks);
  }
  if (op === 8)
    return raw('bad chunk size', head(['transfer-encoding: chunked'], undefined), 'zz\r\nabc\r\n0\r\n\r\n');
  if (op === 9)
    return raw('chunked and content-length', head(['transfer-encoding: chunked']), chunked(rng, wire.body));
  if (op === 10) return raw('NUL in a header', head(['x-fuzz: a\u0000b']), wire.body);
  if (op === 11) {
    const second = sign(image);
    const head2 = [
      `POST ${second.path} HTTP/1.1`,
      'host: 127.0.0.1',
      ...Object.entries(second.headers).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${second.body.length}`,
      '',
      '',
    ].join('\r\n');
    return raw('two pipelined requests', head(), wire.body, head2, second.body);
  }
  if (op === 12) return raw('headers never finished', head().slice(0, -2));
  return raw('bare LF line endings', head().replace(/\r\n/g, '\n'), wire.body);
}

function chunked(rng: Rng, body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length;) {
    const n = Math.min(body.length - i, rng.int(1, 4096));
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(i, i + n), Buffer.from('\r\n'));
    i += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function manyKeys(n: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/** `n` random bytes. */
export function randomBytes(rng: Rng, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 256);
  return out;
}
