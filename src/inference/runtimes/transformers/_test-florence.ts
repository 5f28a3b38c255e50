// Test fixture: a tiny random-weight Florence-2 folder in the onnx-community layout, ONNX sessions built in code.
import onnxProto from 'onnx-proto';
import type { ModelFiles } from './_test-models.js';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Graph = onnxProto.onnx.IGraphProto;
type Value = onnxProto.onnx.IValueInfoProto;
const { FLOAT, INT64, BOOL } = onnx.TensorProto.DataType;
const { INT, INTS, FLOAT: FLOAT_ATTR, GRAPH } = onnx.AttributeProto.AttributeType;

/** The tiny model's sizes and the token ids transformers.js and the tokenizer agree on. */
export const FLORENCE = Object.freeze({
  /** The image processor's output side; the vision encoder cuts it into `patch`² tokens. */
  size: 32,
  patch: 8,
  dModel: 8,
  heads: 2,
  bos: 0,
  pad: 1,
  eos: 2,
  unk: 3,
  /** From this many decoder tokens on (start token included) the EOS logit gains `eosGain` per token. */
  eosAfter: 6,
  eosGain: 20,
  /** The prompts the processor turns the OCR tasks into. */
  prompts: {
    '<OCR>': 'What is the text in the image?',
    '<OCR_WITH_REGION>': 'What is the text in the image, with regions?',
  },
  /** Whole words of the vocabulary (with their prefixes and characters, built into BPE merges). */
  words: [
    'What',
    'Ġis',
    'Ġthe',
    'Ġtext',
    'Ġin',
    'Ġimage',
    '?',
    ',',
    'Ġwith',
    'Ġregions',
    'ROAD',
    'ĠWORK',
    'ĠAHEAD',
  ],
});

/** The BPE vocabulary (specials first) and merges spelling every word of `FLORENCE.words`. */
export function florenceVocab(): { vocab: Map<string, number>; merges: string[] } {
  const vocab = new Map<string, number>([
    ['<s>', FLORENCE.bos],
    ['<pad>', FLORENCE.pad],
    ['</s>', FLORENCE.eos],
    ['<unk>', FLORENCE.unk],
  ]);
  const merges: string[] = [];
  const add = (token: string): void => {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
  };
  for (const word of FLORENCE.words) {
    const chars = [...word];
    chars.forEach(add);
    for (let k = 2; k <= chars.length; k++) {
      const left = chars.slice(0, k - 1).join('');
      const merge = `${left} ${chars[k - 1]}`;
      if (!merges.includes(merge)) merges.push(merge);
      add(left + chars[k - 1]!);
    }
  }
  return { vocab, merges };
}

// Deterministic "random" weights: the same folder every run, so reads can be compared across loads.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weights(name: string, dims: number[], rand: () => number, scale: number): Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const floatData = Array.from({ length: count }, () => (rand() * 2 - 1) * scale);
  return { name, dims, dataType: FLOAT, floatData };
}

const floats = (name: string, dims: number[], values: number[]): Tensor => ({
  name,
  dims,
  dataType: FLOAT,
  floatData: values,
});
const int64s = (name: string, values: number[], dims = [values.length]): Tensor => ({
  name,
  dims,
  dataType: INT64,
  int64Data: values,
});

function node(
  op: string,
  input: string[],
  output: string[],
  attrs: Record<string, number | number[]> = {},
): Node {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? { name, type: INTS, ints: v }
      : Number.isInteger(v)
        ? { name, type: INT, i: v }
        : { name, type: FLOAT_ATTR, f: v },
  );
  return { opType: op, input, output, name: `${op}_${output[0]}`, attribute };
}

function io(name: string, elemType: number, dims: readonly (number | string)[]): Value {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function encode(graph: Graph): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'roadwork-tests',
      opsetImport: [{ domain: '', version: 13 }],
      graph,
    }),
  ).finish();
}

/** pixel_values [b, 3, H, W] → image_features [b, (H/patch)·(W/patch), d]: a patch convolution. */
function visionEncoder(rand: () => number): Uint8Array {
  const { dModel: D, patch: P } = FLORENCE;
  return encode({
    name: 'tiny-florence2-vision',
    node: [
      node('Conv', ['pixel_values', 'W', 'B'], ['conv'], { kernel_shape: [P, P], strides: [P, P] }),
      node('Reshape', ['conv', 'shape'], ['flat']),
      node('Transpose', ['flat'], ['image_features'], { perm: [0, 2, 1] }),
    ],
    initializer: [
      weights('W', [D, 3, P, P], rand, 0.2),
      weights('B', [D], rand, 0.1),
      int64s('shape', [0, D, -1]),
    ],
    input: [io('pixel_values', FLOAT, ['batch_size', 3, 'height', 'width'])],
    output: [io('image_features', FLOAT, ['batch_size', 'image_tokens', D])],
  });
}

/** input_ids [b, s] → inputs_embeds [b, s, d]: one table lookup. */
function embedTokens(rand: () => number, vocabSize: number): Uint8Array {
  const D = FLORENCE.dModel;
  return encode({
    name: 'tiny-florence2-embed',
    node: [node('Gather', ['E', 'input_ids'], ['inputs_embeds'], { axis: 0 })],
    initializer: [weights('E', [vocabSize, D], rand, 1)],
    input: [io('input_ids', INT64, ['batch_size', 'sequence_length'])],
    output: [io('inputs_embeds', FLOAT, ['batch_size', 'sequence_length', D])],
  });
}

/** inputs_embeds and attention_mask → last_hidden_state: tanh(x·W + b), masked positions zeroed. */
function encoderModel(rand: () => number): Uint8Array {
  const D = FLORENCE.dModel;
  return encode({
    name: 'tiny-florence2-encoder',
    node: [
      node('MatMul', ['inputs_embeds', 'W'], ['xw']),
      node('Add', ['xw', 'B'], ['xwb']),
      node('Tanh', ['xwb'], ['h']),
      node('Cast', ['attention_mask'], ['maskf'], { to: FLOAT }),
      node('Unsqueeze', ['maskf', 'last'], ['mask3']),
      node('Mul', ['h', 'mask3'], ['last_hidden_state']),
    ],
    initializer: [weights('W', [D, D], rand, 0.6), weights('B', [D], rand, 0.1), int64s('last', [-1])],
    input: [
      io('inputs_embeds', FLOAT, ['batch_size', 'encoder_sequence_length', D]),
      io('attention_mask', INT64, ['batch_size', 'encoder_sequence_length']),
    ],
    output: [io('last_hidden_state', FLOAT, ['batch_size', 'encoder_sequence_length', D])],
  });
}

/**
 * The merged decoder, one layer, the optimum export's interface: self-attention over the past plus the
 * new tokens, cross-attention over keys computed from `encoder_hidden_states` on the first step and
 * taken from the past afterwards (`use_cache_branch` picks, as in the real merged graph), then logits.
 * The EOS logit rises with the decoder length so generation ends after a few tokens; `<s>`, `<pad>`,
 * `<unk>` and a bare space are pushed down so the text is never blank.
 */
function decoderModel(rand: () => number, vocab: Map<string, number>): Uint8Array {
  const { dModel: D, heads: H, eos, eosAfter, eosGain } = FLORENCE;
  const hd = D / H;
  const V = vocab.size;
  const split = (x: string, w: string, out: string): Node[] => [
    node('MatMul', [x, w], [`${out}_p`]),
    node('Reshape', [`${out}_p`, 'heads_shape'], [`${out}_r`]),
    node('Transpose', [`${out}_r`], [out], { perm: [0, 2, 1, 3] }),
  ];
  const attend = (q: string, k: string, v: string, bias: string | undefined, out: string): Node[] => [
    node('Transpose', [k], [`${out}_kt`], { perm: [0, 1, 3, 2] }),
    node('MatMul', [q, `${out}_kt`], [`${out}_s`]),
    node('Mul', [`${out}_s`, 'scale'], [`${out}_ss`]),
    ...(bias === undefined ? [] : [node('Add', [`${out}_ss`, bias], [`${out}_sb`])]),
    node('Softmax', [bias === undefined ? `${out}_ss` : `${out}_sb`], [`${out}_a`], { axis: -1 }),
    node('MatMul', [`${out}_a`, v], [`${out}_c`]),
    node('Transpose', [`${out}_c`], [`${out}_ct`], { perm: [0, 2, 1, 3] }),
    node('Reshape', [`${out}_ct`, 'model_shape'], [out]),
  ];
  const branch = (name: string, k: string, v: string): Graph => ({
    name,
    node: [node('Identity', [k], [`${name}_k`]), node('Identity', [v], [`${name}_v`])],
    output: [
      io(`${name}_k`, FLOAT, ['batch_size', H, 'encoder_sequence_length_out', hd]),
      io(`${name}_v`, FLOAT, ['batch_size', H, 'encoder_sequence_length_out', hd]),
    ],
  });
  const bias = Array.from({ length: V }, () => 0);
  for (const token of ['<s>', '<pad>', '<unk>', 'Ġ']) bias[vocab.get(token)!] = -30;
  const eosOnly = Array.from({ length: V }, (_, i) => (i === eos ? eosGain : 0));
  const past = (kind: string, what: string, seq: string): Value =>
    io(`past_key_values.0.${kind}.${what}`, FLOAT, ['batch_size', H, seq, hd]);
  const present = (kind: string, what: string, seq: string): Value =>
    io(`present.0.${kind}.${what}`, FLOAT, ['batch_size', H, seq, hd]);
  return encode({
    name: 'tiny-florence2-decoder-merged',
    node: [
      ...split('inputs_embeds', 'Wq', 'q'),
      ...split('inputs_embeds', 'Wk', 'k'),
      ...split('inputs_embeds', 'Wv', 'v'),
      node('Concat', ['past_key_values.0.decoder.key', 'k'], ['present.0.decoder.key'], { axis: 2 }),
      node('Concat', ['past_key_values.0.decoder.value', 'v'], ['present.0.decoder.value'], { axis: 2 }),
      ...attend('q', 'present.0.decoder.key', 'present.0.decoder.value', undefined, 'self'),
      node('MatMul', ['self', 'Wo'], ['self_o']),
      node('Add', ['inputs_embeds', 'self_o'], ['h1']),
      ...split('encoder_hidden_states', 'Wk2', 'enc_k_new'),
      ...split('encoder_hidden_states', 'Wv2', 'enc_v_new'),
      {
        opType: 'If',
        name: 'If_cache',
        input: ['use_cache_branch'],
        output: ['enc_k', 'enc_v'],
        attribute: [
          {
            name: 'then_branch',
            type: GRAPH,
            g: branch('cached', 'past_key_values.0.encoder.key', 'past_key_values.0.encoder.value'),
          },
          { name: 'else_branch', type: GRAPH, g: branch('fresh', 'enc_k_new', 'enc_v_new') },
        ],
      },
      node('Identity', ['enc_k'], ['present.0.encoder.key']),
      node('Identity', ['enc_v'], ['present.0.encoder.value']),
      node('Cast', ['encoder_attention_mask'], ['enc_mask_f'], { to: FLOAT }),
      node('Sub', ['enc_mask_f', 'one'], ['enc_mask_0']),
      node('Mul', ['enc_mask_0', 'big'], ['enc_mask_b']),
      node('Unsqueeze', ['enc_mask_b', 'axes_1_2'], ['enc_bias']),
      ...split('h1', 'Wq2', 'q2'),
      ...attend('q2', 'enc_k', 'enc_v', 'enc_bias', 'cross'),
      node('MatMul', ['cross', 'Wo2'], ['cross_o']),
      node('Add', ['h1', 'cross_o'], ['h2']),
      node('Tanh', ['h2'], ['h3']),
      node('MatMul', ['h3', 'Wout'], ['raw_logits']),
      node('Add', ['raw_logits', 'bias'], ['biased']),
      node('Shape', ['present.0.decoder.key'], ['kv_shape']),
      node('Gather', ['kv_shape', 'two'], ['length'], { axis: 0 }),
      node('Cast', ['length'], ['length_f'], { to: FLOAT }),
      node('Sub', ['length_f', 'eos_after'], ['over']),
      node('Mul', ['over', 'eos_only'], ['eos_boost']),
      node('Add', ['biased', 'eos_boost'], ['logits']),
    ],
    initializer: [
      ...['Wq', 'Wk', 'Wv', 'Wo', 'Wk2', 'Wv2', 'Wq2', 'Wo2'].map((n) => weights(n, [D, D], rand, 0.6)),
      weights('Wout', [D, V], rand, 2),
      floats('bias', [V], bias),
      floats('eos_only', [V], eosOnly),
      floats('eos_after', [], [eosAfter]),
      floats('scale', [], [1 / Math.sqrt(hd)]),
      floats('one', [], [1]),
      floats('big', [], [1e4]),
      int64s('heads_shape', [0, 0, H, hd]),
      int64s('model_shape', [0, 0, D]),
      int64s('axes_1_2', [1, 2]),
      int64s('two', [2], []),
    ],
    input: [
      io('encoder_attention_mask', INT64, ['batch_size', 'encoder_sequence_length']),
      io('encoder_hidden_states', FLOAT, ['batch_size', 'encoder_sequence_length', D]),
      io('inputs_embeds', FLOAT, ['batch_size', 'decoder_sequence_length', D]),
      past('decoder', 'key', 'past_decoder_sequence_length'),
      past('decoder', 'value', 'past_decoder_sequence_length'),
      past('encoder', 'key', 'encoder_sequence_length_out'),
      past('encoder', 'value', 'encoder_sequence_length_out'),
      io('use_cache_branch', BOOL, [1]),
    ],
    output: [
      io('logits', FLOAT, ['batch_size', 'decoder_sequence_length', V]),
      present('decoder', 'key', 'past_decoder_sequence_length + 1'),
      present('decoder', 'value', 'past_decoder_sequence_length + 1'),
      present('encoder', 'key', 'encoder_sequence_length_out'),
      present('encoder', 'value', 'encoder_sequence_length_out'),
    ],
  });
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v, null, 2));

/** The tokenizer files: a byte-level BPE with BART's post-processor, as Florence-2 ships. */
function tokenizerFiles(vocab: Map<string, number>, merges: string[]): ModelFiles {
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  return {
    'tokenizer.json': json({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content) => ({
        id: vocab.get(content),
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: {
        type: 'RobertaProcessing',
        sep: ['</s>', FLORENCE.eos],
        cls: ['<s>', FLORENCE.bos],
        trim_offsets: true,
        add_prefix_space: false,
      },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab: Object.fromEntries(vocab),
        merges,
      },
    }),
    'tokenizer_config.json': json({
      tokenizer_class: 'BartTokenizer',
      bos_token: '<s>',
      eos_token: '</s>',
      pad_token: '<pad>',
      unk_token: '<unk>',
      model_max_length: 1024,
      add_prefix_space: false,
    }),
  };
}

/**
 * A Florence-2 folder transformers.js 4.x loads with `Florence2ForConditionalGeneration` and
 * `AutoProcessor`: configs, processor and tokenizer files, and the four fp32 ONNX sessions. Its weights
 * are random (seeded), so it reads nonsense made of its vocabulary, the same nonsense every time.
 */
export function tinyFlorence(): ModelFiles {
  const { vocab, merges } = florenceVocab();
  const { dModel: D, heads: H, size, bos, pad, eos } = FLORENCE;
  const rand = random(2024);
  const text = {
    model_type: 'florence2_language',
    vocab_size: vocab.size,
    d_model: D,
    encoder_layers: 1,
    decoder_layers: 1,
    encoder_attention_heads: H,
    decoder_attention_heads: H,
    encoder_ffn_dim: 2 * D,
    decoder_ffn_dim: 2 * D,
    max_position_embeddings: 64,
    bos_token_id: bos,
    pad_token_id: pad,
    eos_token_id: eos,
    decoder_start_token_id: eos,
    forced_eos_token_id: eos,
    is_encoder_decoder: true,
  };
  return {
    'config.json': json({
      model_type: 'florence2',
      architectures: ['Florence2ForConditionalGeneration'],
      is_encoder_decoder: true,
      bos_token_id: bos,
      pad_token_id: pad,
      eos_token_id: eos,
      vocab_size: vocab.size,
      projection_dim: D,
      text_config: text,
      vision_config: { model_type: 'davit', projection_dim: D, patch_size: [FLORENCE.patch] },
    }),
    'generation_config.json': json({
      bos_token_id: bos,
      decoder_start_token_id: eos,
      eos_token_id: eos,
      forced_bos_token_id: bos,
      forced_eos_token_id: eos,
      no_repeat_ngram_size: 3,
      num_beams: 3,
      pad_token_id: pad,
    }),
    'preprocessor_config.json': json({
      processor_class: 'Florence2Processor',
      image_processor_type: 'CLIPImageProcessor',
      do_resize: true,
      size: { height: size, width: size },
      resample: 3,
      do_center_crop: false,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
      do_convert_rgb: true,
      image_seq_length: (size / FLORENCE.patch) ** 2,
      tasks_answer_post_processing_type: { '<OCR>': 'pure_text', '<OCR_WITH_REGION>': 'ocr' },
      task_prompts_without_inputs: FLORENCE.prompts,
      task_prompts_with_input: {},
    }),
    ...tokenizerFiles(vocab, merges),
    'onnx/vision_encoder.onnx': visionEncoder(rand),
    'onnx/embed_tokens.onnx': embedTokens(rand, vocab.size),
    'onnx/encoder_model.onnx': encoderModel(rand),
    'onnx/decoder_model_merged.onnx': decoderModel(rand, vocab),
  };
}
