// Verify cost per call: schnorrkel-wasm vs util-crypto sr25519, and the full verifySynapseRequest path.
import { sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';
import { sr25519Verify } from '@polkadot/util-crypto';
import {
  HotkeyCache,
  NonceStore,
  buildWireRequest,
  hotkeyFromSecret,
  parseSynapseHeaders,
  verifyParsedRequest,
  verifySynapseRequest,
} from '../src/wire/protocol/index.js';
import { systemClock } from '../src/core/clock/index.js';

function time(label: string, n: number, fn: (i: number) => unknown): void {
  // Warm-up indices come after the timed ones, so nonce-consuming calls never repeat a request.
  for (let i = n; i < n + 200; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(44)} ${(ms / n).toFixed(4)} ms/call  (${n} calls)`);
}

async function main(): Promise<void> {
  const signer = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Alice',
  );
  const axon = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Bob',
  ).ss58;
  const message = new TextEncoder().encode(
    `1750000000000000000.${signer.ss58}.${axon}.uuid.${'a'.repeat(64)}`,
  );
  const sig = signer.sign(message);
  time('sr25519 verify, schnorrkel-wasm', 5000, () => sr25519_verify(signer.publicKey, message, sig));
  time('sr25519 verify, util-crypto (@scure)', 300, () => sr25519Verify(message, sig, signer.publicKey));
  time('sign, schnorrkel-wasm (Signer.sign)', 5000, () => signer.sign(message));

  const clock = systemClock();
  const requests = Array.from(
    { length: 5200 },
    (_, i) =>
      buildWireRequest(
        { name: 'ImageSynapse', fields: { image: 'QUJD' } },
        { ip: '127.0.0.1', port: 8091, hotkey: axon },
        {
          hotkey: signer.ss58,
          sign: (m) => signer.sign(m),
          uuid: `bench-${i}`,
          version: 9_012_000,
          externalIp: '0.0.0.0',
          nonce: clock.nowNs() + BigInt(i),
          timeoutS: 9,
        },
      ).headers,
  );
  const keys = new HotkeyCache();
  const nonces = new NonceStore();
  time('parseSynapseHeaders', 5000, (i) => parseSynapseHeaders(requests[i % requests.length] ?? {}));
  const parsed = requests.map((h) => {
    const p = parseSynapseHeaders(h);
    if (!p.ok) throw new Error(p.message);
    return p.headers;
  });
  time('verifyParsedRequest (parsed, cached key)', 5000, (i) => {
    const r = verifyParsedRequest(parsed[i] as (typeof parsed)[number], {
      axonHotkey: axon,
      clock,
      nonces,
      keys,
    });
    if (!r.ok) throw new Error(r.message);
  });
  const nonces2 = new NonceStore();
  const start = process.hrtime.bigint();
  for (const h of requests.slice(0, 5000)) {
    const r = await verifySynapseRequest(h, { axonHotkey: axon, nonces: nonces2, keys });
    if (!r.ok) throw new Error(r.message);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `${'verifySynapseRequest (full, cached key)'.padEnd(44)} ${(ms / 5000).toFixed(4)} ms/call  (5000 calls)`,
  );
  time('verifySynapseRequest forged (2 wasm verifies)', 2000, () => {
    void verifySynapseRequest(
      { ...requests[0], bt_header_dendrite_nonce: String(clock.nowNs()) },
      { axonHotkey: axon, nonces: new NonceStore(), keys },
    );
  });
  time('HotkeyCache miss (ss58 decode + key probe)', 300, () => new HotkeyCache().publicKey(signer.ss58));
}

await main();
