import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { SCHEMA } from '../../core/config/index.js';
import { COMMANDS, buildProgram } from './index.js';
import { settingKeys } from './_settings.js';

/** The command at `path` of the program built for `roadwork <path> --help`. */
async function commandAt(...path: string[]): Promise<Command> {
  let command = await buildProgram({}, [...path, '--help']);
  for (const name of path) {
    const sub = command.commands.find((c) => c.name() === name);
    assert.ok(sub, `no command ${path.join(' ')}`);
    command = sub;
  }
  return command;
}

function settingFlags(command: Command): string[] {
  return command.options.map((o) => o.long?.slice(2) ?? '').filter((name) => name in SCHEMA);
}

test('--help shows each command only the settings it uses', async () => {
  assert.deepEqual(settingFlags(await commandAt('wallet', 'create')), [
    'wallet.name',
    'wallet.hotkey',
    'wallet.path',
  ]);
  assert.deepEqual(settingFlags(await commandAt('wallet', 'show')), [
    'wallet.name',
    'wallet.hotkey',
    'wallet.path',
    'wallet.secret',
  ]);
  assert.deepEqual(settingFlags(await commandAt('chain', 'metagraph')), [
    'netuid',
    'subtensor.network',
    'subtensor.chain_endpoint',
  ]);
  const serveAxon = settingFlags(await commandAt('chain', 'serve-axon'));
  assert.ok(serveAxon.includes('axon.external_ip') && serveAxon.includes('wallet.secret'));
  assert.ok(!serveAxon.some((k) => /^(blacklist|cache|limits|metrics)\./.test(k)), serveAxon.join());
  const start = settingFlags(await commandAt('start'));
  assert.ok(start.includes('model.path') && start.includes('cascade.config') && start.includes('data_dir'));
  for (const local of ['axon.port', 'metagraph.file', 'wallet.name', 'subtensor.network']) {
    assert.ok(!start.includes(local), `local mode makes its own ${local}`);
  }
  const help = (await commandAt('wallet', 'create')).helpInformation();
  assert.doesNotMatch(help, /--axon\.|--blacklist\.|--cache\./);
  // Training reads where state and models live and how runtimes run, as serve does; nothing else.
  for (const name of ['train', 'calibrate']) {
    assert.deepEqual(settingFlags(await commandAt(name)), [
      'model.device',
      'model.workers',
      'model.intra_op_threads',
      'models.cache_dir',
      'models.offline',
      'models.hub_url',
      'models.hub_token',
      'data_dir',
      'embeddings.cache_dir',
    ]);
  }
  // eval --offline reads the model as serve does; its --wallet.* are the validator's own flags.
  const evalFlags = settingFlags(await commandAt('eval'));
  for (const key of ['cascade.config', 'model.path', 'models.cache_dir', 'data_dir'])
    assert.ok(evalFlags.includes(key), key);
  assert.ok(
    !evalFlags.some((k) => /^(axon|blacklist|cache|limits|metrics|netuid)/.test(k)),
    evalFlags.join(),
  );
  assert.deepEqual(settingFlags(await commandAt('challenges')), [], 'challenges reads no setting');
  // Labels are drawn with probability ½ per challenge, as validators do: a set is not 'balanced'.
  const challenges = await commandAt('challenges');
  let challengesHelp = '';
  challenges.configureOutput({ writeOut: (text) => (challengesHelp += text) });
  challenges.outputHelp();
  assert.match(challengesHelp, /each label with probability ½/);
  assert.doesNotMatch(challengesHelp, /balanced labels/);
});

test('serve and config take every setting as a flag', async () => {
  for (const name of ['serve', 'config']) {
    assert.deepEqual(settingFlags(await commandAt(name)), Object.keys(SCHEMA), name);
  }
});

test('a command that does not use a setting refuses its flag', async () => {
  // The program throws usage errors (every command has exitOverride) instead of exiting the process.
  const program = await buildProgram({}, ['wallet', 'create', '--axon.port', '1']);
  await assert.rejects(
    program.parseAsync(['wallet', 'create', '--axon.port', '1'], { from: 'user' }),
    /unknown option '--axon\.port'/,
  );
});

test('roadwork --version and --help load no command module', async () => {
  for (const args of [['--version'], ['--help'], []]) {
    const program = await buildProgram({}, args);
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      COMMANDS.map((c) => c.name),
    );
    for (const c of program.commands) {
      assert.equal(c.options.length + c.commands.length, 0, `${c.name()} was loaded for ${args.join(' ')}`);
    }
    assert.match(program.helpInformation(), /serve\s+Serve the ImageSynapse axon/);
  }
  const program = await buildProgram({}, ['help', 'wallet']);
  const wallet = program.commands.find((c) => c.name() === 'wallet');
  assert.equal(wallet?.commands.length, 2, '`roadwork help wallet` loads wallet');
});

test('every entry of the command table loads the command it names', async () => {
  for (const entry of COMMANDS) {
    assert.ok(entry.summary.length > 0);
    assert.equal((await entry.load({})).name(), entry.name);
  }
});

test('settingKeys() takes keys and dotted prefixes, and refuses a selector that matches nothing', () => {
  assert.deepEqual(settingKeys(['netuid', 'subtensor.']), [
    'netuid',
    'subtensor.network',
    'subtensor.chain_endpoint',
  ]);
  assert.equal(settingKeys(['*']).length, Object.keys(SCHEMA).length);
  assert.throws(() => settingKeys(['wallet.nmae']), /No setting matches "wallet\.nmae"/);
  assert.throws(() => settingKeys(['wallet']), /No setting matches "wallet"/);
});

test('settings help promises nothing for later', () => {
  for (const [key, spec] of Object.entries(SCHEMA)) {
    assert.doesNotMatch(spec.doc, /\buntil\b.*\blands\b|\bsession \d|\bnot yet\b|\bcoming\b/i, key);
  }
});
