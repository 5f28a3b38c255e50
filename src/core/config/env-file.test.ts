import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig, parseEnvFile } from './index.js';

const MINER_ENV = readFileSync(new URL('../../../test/fixtures/miner.env', import.meta.url), 'utf8');

test("parseEnvFile() reads the reference miner's miner.env as the shell does", () => {
  const env = parseEnvFile(MINER_ENV);
  assert.equal(env.MODEL_URL, '', 'a comment after an empty value is not the value');
  assert.equal(env.WALLET_NAME, '');
  assert.equal(env.NETUID, '323');
  assert.equal(env.SUBTENSOR_NETWORK, 'test');
  assert.equal(env.SUBTENSOR_CHAIN_ENDPOINT, 'wss://test.finney.opentensor.ai:443');
  assert.equal(env.IMAGE_DETECTOR_DEVICE, 'cpu');
  assert.equal(env.BLACKLIST_FORCE_VALIDATOR_PERMIT, 'True');
  const s = loadConfig({ env });
  assert.equal(s['model.url'], '');
  assert.equal(s.netuid, 323);
  assert.equal(s['wallet.name'], 'default', 'an empty value leaves the default');
  assert.equal(s['blacklist.force_validator_permit'], true);
});

test('parseEnvFile() starts a comment only at an unquoted # that begins a word', () => {
  assert.deepEqual(parseEnvFile('A=#\nB=x#y\nC=x #gone\nD=\t# gone\n'), {
    A: '#',
    B: 'x#y',
    C: 'x',
    D: '',
  });
  // `A=#` is the value "#"; the word after it would be a command to the shell.
  assert.throws(() => parseEnvFile('A=# note with words\n'), /line 1: text after the value of A/);
});

test('parseEnvFile() honours single and double quotes as the shell does', () => {
  const env = parseEnvFile(
    [
      `A='x # y'`,
      `B="x # y" # note`,
      `C='$HOME "q"'`,
      `D="a \\"b\\" \\$c \\n"`,
      `E='it'"'"'s'`,
      `F="two`,
      `lines"`,
      `G=x\\ y`,
      `H=""`,
    ].join('\n'),
  );
  assert.equal(env.A, 'x # y');
  assert.equal(env.B, 'x # y');
  assert.equal(env.C, '$HOME "q"');
  assert.equal(env.D, 'a "b" $c \\n');
  assert.equal(env.E, "it's");
  assert.equal(env.F, 'two\nlines');
  assert.equal(env.G, 'x y');
  assert.equal(env.H, '');
});

test('parseEnvFile() takes export, CRLF, a BOM, several assignments and later keys winning', () => {
  assert.deepEqual(parseEnvFile('\uFEFFexport A=1\r\nexport  B="2"\r\nC=3 D=4; E=5\nexport A\nC=6\n'), {
    A: '1',
    B: '2',
    C: '6',
    D: '4',
    E: '5',
  });
});

test('parseEnvFile() expands $NAME and ${NAME} from the file, then the environment', () => {
  const env = parseEnvFile('ROOT=/srv\nA=$ROOT/models\nB="${ROOT}x"\nC=$HOME\nD=$MISSING.\nE=$\n', {
    env: { HOME: '/home/m', ROOT: '/ignored' },
  });
  assert.deepEqual(env, { ROOT: '/srv', A: '/srv/models', B: '/srvx', C: '/home/m', D: '.', E: '$' });
});

test('parseEnvFile() refuses what the shell would run or reject, naming the line', () => {
  assert.throws(
    () => parseEnvFile('A=1\nWALLET_NAME=my wallet\n'),
    /line 2: text after the value of WALLET_NAME \(quote/,
  );
  assert.throws(() => parseEnvFile('A = 1\n'), /line 1: spaces around = are not allowed/);
  assert.throws(() => parseEnvFile('just words\n'), /line 1: not a NAME=value assignment/);
  assert.throws(() => parseEnvFile('A=$(whoami)\n'), /command substitution/);
  assert.throws(() => parseEnvFile('A=`whoami`\n'), /command substitution/);
  assert.throws(() => parseEnvFile('A=${B:-x}\n'), /only \$\{NAME\} expansions/);
  assert.throws(() => parseEnvFile("A=1\n\nB='open\n"), /line 3: unterminated single quote/);
  assert.throws(() => parseEnvFile('A="open\n'), /unterminated double quote/);
});
