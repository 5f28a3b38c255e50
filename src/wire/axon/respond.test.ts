import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerReply, refusalReply } from './_respond.js';

const AXON = { hotkey: '5Miner', ip: '1.2.3.4', port: 8091 };
const RECEIVED = {
  name: 'ImageSynapse',
  timeout: '9.0',
  bt_header_dendrite_hotkey: '5Val',
  bt_header_axon_status_code: '999',
  'x-invented': 'not echoed',
};

test('answerReply() sets the axon terminal and headers to 200 Success with the process time', () => {
  const fields = { name: 'ImageSynapse', prediction: 0.25, image: '', axon: { hotkey: '5Miner', nonce: 3 } };
  const r = answerReply('ImageSynapse', fields, RECEIVED, 0.012, { axon: AXON });
  assert.equal(r.status, 200);
  assert.equal(r.close, false);
  assert.deepEqual(r.body, {
    ...fields,
    axon: { hotkey: '5Miner', nonce: 3, status_code: 200, status_message: 'Success', process_time: 0.012 },
  });
  assert.deepEqual(r.headers, {
    name: 'ImageSynapse',
    timeout: '9.0',
    bt_header_dendrite_hotkey: '5Val',
    bt_header_axon_hotkey: '5Miner',
    bt_header_axon_ip: '1.2.3.4',
    bt_header_axon_port: '8091',
    bt_header_axon_status_code: '200',
    bt_header_axon_status_message: 'Success',
    bt_header_axon_process_time: '0.012',
  });
});

test('answerReply() adds model_url only to ExtendedImageSynapse', () => {
  const plain = answerReply('ImageSynapse', {}, {}, 0, { axon: AXON, modelUrl: 'hf/x' });
  assert.equal((plain.body as Record<string, unknown>).model_url, undefined);
  const extended = answerReply('ExtendedImageSynapse', {}, {}, 0, { axon: AXON, modelUrl: 'hf/x' });
  assert.equal((extended.body as Record<string, unknown>).model_url, 'hf/x');
  const unset = answerReply('ExtendedImageSynapse', {}, {}, 0, { axon: { hotkey: '5M' } });
  assert.equal((unset.body as Record<string, unknown>).model_url, '');
  assert.equal(unset.headers.bt_header_axon_ip, undefined);
});

test('refusalReply() answers the code with its status, message and echoed headers', () => {
  const r = refusalReply(
    'ERR_CALLER_UNKNOWN',
    'Caller is not registered on the subnet: 5Val\n',
    RECEIVED,
    0.001,
    {
      axon: AXON,
      close: true,
    },
  );
  assert.equal(r.status, 403);
  assert.equal(r.close, true);
  assert.deepEqual(r.body, {
    message: 'Caller is not registered on the subnet: 5Val\n',
    code: 'ERR_CALLER_UNKNOWN',
  });
  assert.equal(r.headers.bt_header_axon_status_code, '403');
  // Header values stay Latin-1 printable whatever the message holds.
  assert.equal(r.headers.bt_header_axon_status_message, 'Caller is not registered on the subnet: 5Val?');
  assert.equal(refusalReply('ERR_INTERNAL', 'x', {}, 0, { axon: AXON, close: false }).status, 500);
});
