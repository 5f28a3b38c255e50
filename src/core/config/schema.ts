/** Every setting the miner reads, in one table: parser, default, environment names and doc. */
import { hotkeyList, redactHotkeys, type HotkeyEntry } from './_hotkeys.js';
import { bool, emptyOrUrl, fileName, int, list, num, setting, str } from './_types.js';

/** The settings schema. Keys are Bittensor-style dotted names; flags are `--<key>`. */
export const SCHEMA = Object.freeze({
  netuid: setting({
    parse: int(0, 65535),
    default: 72,
    env: ['NETUID'],
    doc: 'Subnet id (72 mainnet, 323 testnet).',
  }),
  'subtensor.network': setting({
    parse: str(['finney', 'test', 'local']),
    default: 'finney',
    env: ['SUBTENSOR_NETWORK'],
    doc: 'Chain to read the metagraph from; picks the default endpoint.',
  }),
  'subtensor.chain_endpoint': setting({
    parse: str(),
    default: '',
    env: ['SUBTENSOR_CHAIN_ENDPOINT'],
    doc: 'Websocket endpoint; empty means the network default.',
  }),
  'wallet.name': setting({
    parse: fileName(),
    default: 'default',
    env: ['WALLET_NAME'],
    doc: 'Wallet (coldkey) folder name.',
  }),
  'wallet.hotkey': setting({
    parse: fileName(),
    default: 'default',
    env: ['WALLET_HOTKEY'],
    doc: 'Hotkey file name.',
  }),
  'wallet.path': setting({
    parse: str(),
    default: '~/.bittensor/wallets',
    env: ['WALLET_PATH', 'BT_WALLET_PATH'],
    doc: 'Folder holding Bittensor wallets.',
  }),
  'wallet.secret': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_HOTKEY_SECRET', 'HOTKEY_MNEMONIC', 'HOTKEY_SEED'],
    doc: 'Hotkey mnemonic, 0x seed or secret URI (<mnemonic>//hot, //Alice); used instead of the wallet file when set.',
    secret: true,
  }),
  'axon.host': setting({
    parse: str(),
    default: '0.0.0.0',
    env: ['AXON_HOST'],
    doc: 'Address the axon listens on.',
  }),
  'axon.port': setting({
    parse: int(0, 65535),
    default: 8091,
    env: ['MINER_AXON_PORT', 'AXON_PORT'],
    doc: 'Axon port.',
  }),
  'axon.external_ip': setting({
    parse: str(),
    default: '',
    env: ['AXON_EXTERNAL_IP'],
    doc: 'IP published on chain.',
  }),
  'axon.external_port': setting({
    parse: int(0, 65535),
    default: 0,
    env: ['AXON_EXTERNAL_PORT'],
    doc: 'Port published on chain; 0 = axon.port.',
  }),
  'axon.trust_proxy': setting({
    parse: list,
    default: [],
    env: ['ROADWORK_AXON_TRUST_PROXY'],
    doc: 'Reverse proxies (IPs, CIDR ranges or "loopback") whose X-Forwarded-For / X-Real-IP name the client for the logs and /metrics (metrics.allow_from); empty believes no such header.',
  }),
  'axon.publish': setting({
    parse: bool,
    default: true,
    env: ['ROADWORK_AXON_PUBLISH'],
    doc: 'At start, publish axon.external_ip and the port on chain (serve_axon, signed by the hotkey) when the chain holds another; live metagraph only.',
  }),
  'miner.hotkeys': setting<readonly HotkeyEntry[]>({
    parse: hotkeyList,
    default: [],
    env: ['ROADWORK_MINER_HOTKEYS'],
    doc: 'Further hotkeys this process serves beside wallet.hotkey, each on its own axon port with its own nonces and chain identity, all sharing one model and cache: "name/hotkey:port" entries, comma-separated, or in a config file objects {name, hotkey, port, external_port, secret}. Empty = one hotkey.',
    secret: true,
    redact: redactHotkeys,
  }),
  'blacklist.force_validator_permit': setting({
    parse: bool,
    default: true,
    env: ['BLACKLIST_FORCE_VALIDATOR_PERMIT'],
    doc: 'Answer only callers holding a validator permit.',
  }),
  'blacklist.allow_non_registered': setting({
    parse: bool,
    default: false,
    env: ['BLACKLIST_ALLOW_NON_REGISTERED'],
    doc: 'Answer callers that are not in the metagraph (unsafe).',
  }),
  'blacklist.min_stake': setting({
    parse: num(0, 1e15),
    default: 0,
    env: ['BLACKLIST_MIN_STAKE'],
    doc: 'Minimum caller stake.',
  }),
  'blacklist.allow': setting({
    parse: list,
    default: [],
    env: ['BLACKLIST_ALLOW'],
    doc: 'Hotkeys always answered (after signature checks).',
  }),
  'blacklist.deny': setting({
    parse: list,
    default: [],
    env: ['BLACKLIST_DENY'],
    doc: 'Hotkeys never answered.',
  }),
  'metagraph.file': setting({
    parse: str(),
    default: '',
    env: ['METAGRAPH_FILE'],
    doc: 'Static metagraph JSON; empty = live chain.',
  }),
  'metagraph.refresh_s': setting({
    parse: int(10, 86400),
    default: 600,
    env: ['METAGRAPH_REFRESH_S'],
    doc: 'Live refresh interval.',
  }),
  'metagraph.stale_after_s': setting({
    parse: int(10, 864000),
    default: 3600,
    env: ['METAGRAPH_STALE_AFTER_S'],
    doc: 'Age after which readiness reports the metagraph stale.',
  }),
  'model.path': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_MODEL'],
    doc: 'One ONNX classifier instead of the default cascade (e.g. models/baseline/model.onnx).',
  }),
  'model.device': setting({
    parse: str(['cpu', 'cuda']),
    default: 'cpu',
    env: ['IMAGE_DETECTOR_DEVICE'],
    doc: 'Execution provider of the model runtimes (serve, train, calibrate, eval --offline).',
  }),
  'model.workers': setting({
    parse: int(0, 64),
    default: 0,
    env: ['MODEL_WORKERS'],
    doc: 'Inference worker threads per model; 0 = one per core, at most 4 (1 with model.device cuda).',
  }),
  'model.intra_op_threads': setting({
    parse: int(0, 64),
    default: 0,
    env: ['MODEL_INTRA_OP_THREADS'],
    doc: 'onnxruntime threads per worker for the tfjs builtins (ONNX engine); 0 = the cores divided among model.workers.',
  }),
  'model.url': setting({
    parse: str(),
    default: '',
    env: ['MODEL_URL'],
    doc: 'Published model repository URL, answered in the synapse; `publish` and `register` take the repository from it.',
  }),
  'natix.url': setting({
    parse: str(),
    default: 'https://hydra.natix.network',
    env: ['NATIX_URL'],
    doc: "NATIX's registration server (`roadwork register`; optional: validators no longer check it).",
  }),
  'cascade.config': setting({
    parse: str(),
    default: '',
    env: ['CASCADE_CONFIG'],
    doc: 'Cascade config file (YAML/JSON); empty = the bundled default cascade.',
  }),
  'models.cache_dir': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_MODELS_DIR'],
    doc: 'Downloaded models (serve, train, calibrate, eval); empty = <data_dir>/models.',
    path: true,
  }),
  'models.offline': setting({
    parse: bool,
    default: false,
    env: ['HF_HUB_OFFLINE', 'ROADWORK_OFFLINE'],
    doc: 'Never download models; fail naming the missing file.',
  }),
  'models.hub_url': setting({
    parse: str(),
    default: 'https://huggingface.co',
    env: ['HF_ENDPOINT'],
    doc: 'Model hub base URL.',
  }),
  'models.hub_token': setting({
    parse: str(),
    default: '',
    env: ['HF_TOKEN'],
    doc: 'Hugging Face token for private or gated repos.',
    secret: true,
  }),
  'registry.follow': setting({
    parse: bool,
    default: false,
    env: ['ROADWORK_FOLLOW_PRODUCTION'],
    doc: "Serve the registry's production version and switch to each newly promoted (or rolled back) one without a restart; excludes cascade.config.",
  }),
  'registry.poll_s': setting({
    parse: int(1, 86_400),
    default: 30,
    env: ['ROADWORK_REGISTRY_POLL_S'],
    doc: 'With registry.follow: seconds between checks of the production version.',
  }),
  'cache.kind': setting({
    parse: str(['none', 'memory', 'redis']),
    default: 'memory',
    env: ['ROADWORK_CACHE'],
    doc: 'Prediction cache: in-process LRU or Redis (falls back to memory when down).',
  }),
  'cache.size': setting({
    parse: int(0, 10_000_000),
    default: 10_000,
    env: ['ROADWORK_CACHE_SIZE'],
    doc: 'Entries in the in-process cache.',
  }),
  'cache.redis_url': setting({
    parse: str(),
    default: 'redis://127.0.0.1:6379',
    env: ['REDIS_URL'],
    doc: 'Redis URL when cache.kind is redis.',
  }),
  'cache.redis_timeout_ms': setting({
    parse: int(1, 10_000),
    default: 50,
    env: ['ROADWORK_CACHE_REDIS_TIMEOUT_MS'],
    doc: 'Longest a Redis lookup may take before the request is served from memory; a timeout alone only makes Redis suspect until a PING (1 s budget) decides.',
  }),
  'cache.ttl_s': setting({
    parse: int(1, 365 * 86400),
    default: 86400,
    env: ['ROADWORK_CACHE_TTL_S'],
    doc: 'Lifetime of a cached prediction.',
  }),
  'limits.max_body_bytes': setting({
    parse: int(1024, 256 << 20),
    default: 24 << 20,
    env: ['LIMIT_MAX_BODY_BYTES'],
    doc: 'Largest request body read (protocol 0.4 sends source-size JPEGs: 24 MiB holds a 16 MiB image in base64).',
  }),
  'limits.max_body_bytes_in_flight': setting({
    parse: int(1024, 16 * 2 ** 30),
    default: 256 << 20,
    env: ['LIMIT_MAX_BODY_BYTES_IN_FLIGHT'],
    doc: 'Body bytes all open requests may hold together (declared length, or the whole limit when chunked); beyond, 503.',
  }),
  'limits.max_body_bytes_per_caller': setting({
    parse: int(0, 16 * 2 ** 30),
    default: 0,
    env: ['LIMIT_MAX_BODY_BYTES_PER_CALLER'],
    doc: "Body bytes one caller hotkey's open requests may hold together, so slow senders cannot fill limits.max_body_bytes_in_flight for everyone; beyond, 503. 0 = 2 × limits.max_body_bytes.",
  }),
  'limits.body_bytes_reserved_share': setting({
    parse: num(0, 1),
    default: 0.5,
    env: ['LIMIT_BODY_BYTES_RESERVED_SHARE'],
    doc: 'Share of limits.max_body_bytes_in_flight kept for the validators that together hold 90 % of the validator stake; every other caller shares the rest, so many low-stake callers together cannot fill the budget. 0 = no reserve.',
  }),
  'limits.max_connections': setting({
    parse: int(1, 1_000_000),
    default: 2048,
    env: ['LIMIT_MAX_CONNECTIONS'],
    doc: 'Connections open at once on each axon port; beyond, new ones are closed unread. Keep well under the open-file limit (ulimit -n).',
  }),
  'limits.max_connections_per_address': setting({
    parse: int(0, 1_000_000),
    default: 64,
    env: ['LIMIT_MAX_CONNECTIONS_PER_ADDRESS'],
    doc: 'Connections one peer address may hold open on each axon port; beyond, new ones are closed unread. Peers in axon.trust_proxy are exempt. 0 = no cap.',
  }),
  'limits.max_per_caller': setting({
    parse: int(1, 100000),
    default: 8,
    env: ['LIMIT_MAX_PER_CALLER'],
    doc: 'Requests one caller hotkey may have open at once (a validator sends about one a minute); beyond, 503.',
  }),
  'limits.max_header_bytes': setting({
    parse: int(1024, 1 << 20),
    default: 16384,
    env: ['LIMIT_MAX_HEADER_BYTES'],
    doc: 'Largest request header block.',
  }),
  'limits.max_pixels': setting({
    parse: int(1024, 1 << 28),
    default: 50_000_000,
    env: ['LIMIT_MAX_PIXELS'],
    doc: 'Largest image (width × height) decoded; images shrink to the model size while decoding.',
  }),
  'limits.max_jpeg_scans': setting({
    parse: int(1, 10000),
    default: 64,
    env: ['LIMIT_MAX_JPEG_SCANS'],
    doc: 'Most scans a JPEG may have (encoders write 1-20; hundreds are a scan bomb).',
  }),
  'limits.max_large_decodes': setting({
    parse: int(1, 64),
    default: 2,
    env: ['LIMIT_MAX_LARGE_DECODES'],
    doc: 'Images above 1 MP decoded at once (libuv has 4 threads); the rest wait.',
  }),
  'limits.decode_timeout_ms': setting({
    parse: int(10, 60000),
    default: 4000,
    env: ['LIMIT_DECODE_TIMEOUT_MS'],
    doc: 'Longest image decode (a 12 MP JPEG takes ~0.15 s alone, seconds on a saturated CPU).',
  }),
  'limits.deadline_margin_ms': setting({
    parse: int(0, 60000),
    default: 500,
    env: ['LIMIT_DEADLINE_MARGIN_MS'],
    doc: 'Kept back from the caller timeout.',
  }),
  'limits.max_in_flight': setting({
    parse: int(1, 100000),
    default: 32,
    env: ['LIMIT_MAX_IN_FLIGHT'],
    doc: 'Requests predicted at once; more wait in the priority queue.',
  }),
  'limits.max_queue': setting({
    parse: int(0, 100000),
    default: 256,
    env: ['LIMIT_MAX_QUEUE'],
    doc: 'Requests waiting; beyond, the lowest stake is shed (503).',
  }),
  'nonces.max_entries': setting({
    parse: int(100, 10_000_000),
    default: 100_000,
    env: ['NONCES_MAX_ENTRIES'],
    doc: 'Bound of the nonce store.',
  }),
  data_dir: setting({
    parse: str(),
    default: '~/.roadwork',
    env: ['ROADWORK_DATA_DIR'],
    doc: 'Where roadwork keeps its state (registry, datasets, embedding and model caches, local wallets), whatever the current folder; ~ is the home directory, a relative path is taken from the current folder.',
    path: true,
  }),
  'embeddings.cache_dir': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_EMBEDDINGS_DIR'],
    doc: 'Embedding cache of train and calibrate; empty = <data_dir>/embeddings.',
    path: true,
  }),
  'store.url': setting({
    parse: emptyOrUrl(['postgres:', 'postgresql:']),
    default: '',
    env: ['ROADWORK_STORE_URL'],
    doc: "The query log's store: empty = <data_dir>/querylog.sqlite; a postgres:// URL (postgres://user:password@host:5432/db) uses PostgreSQL. Images stay under <data_dir>/queries either way.",
    secret: true,
  }),
  'querylog.enabled': setting({
    parse: bool,
    default: true,
    env: ['ROADWORK_QUERYLOG'],
    doc: 'serve logs every answered request (image, hashes, stages, prediction, validator) for stats, labelling and export.',
  }),
  'querylog.queue_size': setting({
    parse: int(1, 100_000),
    default: 256,
    env: ['ROADWORK_QUERYLOG_QUEUE_SIZE'],
    doc: 'Answered requests waiting to be written; beyond, new ones are dropped and counted (roadwork_querylog_dropped_total), never slowing an answer.',
  }),
  'querylog.max_entries': setting({
    parse: int(0, 1_000_000_000),
    default: 200_000,
    env: ['ROADWORK_QUERYLOG_MAX_ENTRIES'],
    doc: 'Logged requests kept (the oldest go first); 0 = no limit.',
  }),
  'querylog.max_age_days': setting({
    parse: num(0, 36500),
    default: 30,
    env: ['ROADWORK_QUERYLOG_MAX_AGE_DAYS'],
    doc: 'Logged requests older than this are pruned; 0 = no limit.',
  }),
  'querylog.max_bytes': setting({
    parse: int(0, Number.MAX_SAFE_INTEGER),
    default: 20 * 1024 ** 3,
    env: ['ROADWORK_QUERYLOG_MAX_BYTES'],
    doc: 'Image bytes kept under <data_dir>/queries (each distinct image once); beyond, the oldest requests are pruned; 0 = no limit.',
  }),
  'querylog.prune_interval_s': setting({
    parse: int(10, 86400),
    default: 600,
    env: ['ROADWORK_QUERYLOG_PRUNE_INTERVAL_S'],
    doc: 'How often serve applies the retention limits (roadwork queries prune applies them at once).',
  }),
  'eval.record_labels': setting({
    parse: bool,
    default: true,
    env: ['ROADWORK_EVAL_RECORD_LABELS'],
    doc: "Online eval records each challenge's label by image hash in the query log's store (data_dir or store.url), so a miner's logged eval traffic becomes labelled data.",
  }),
  'metrics.allow_from': setting({
    parse: list,
    default: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '::1/128', 'fc00::/7'],
    env: ['ROADWORK_METRICS_ALLOW_FROM'],
    doc: 'Addresses (IPs or CIDR ranges) that may read /metrics without a token: loopback and private networks by default, so a public axon does not publish its traffic.',
  }),
  'metrics.token': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_METRICS_TOKEN'],
    doc: 'Bearer token that lets any address read /metrics (Prometheus `authorization: {credentials: …}`); empty accepts none.',
    secret: true,
  }),
  'ui.port': setting({
    parse: int(0, 65535),
    default: 0,
    env: ['ROADWORK_UI_PORT'],
    doc: 'Port of the web app (gallery, labelling, dashboard): serve runs it in the miner when not 0; roadwork ui uses 8092 when 0.',
  }),
  'ui.host': setting({
    parse: str(),
    default: '127.0.0.1',
    env: ['ROADWORK_UI_HOST'],
    doc: 'Address the web app listens on; any address but loopback requires ui.token.',
  }),
  'ui.token': setting({
    parse: str(),
    default: '',
    env: ['UI_TOKEN', 'ROADWORK_UI_TOKEN'],
    doc: 'Token the web app asks of every request (Authorization: Bearer, or once as ?token= which sets a cookie); empty = none, allowed on loopback only.',
    secret: true,
  }),
  'ui.metrics_url': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_UI_METRICS_URL'],
    doc: "The running miner's /metrics that roadwork ui's dashboard scrapes; empty = http://127.0.0.1:<axon.port>/metrics (serve --ui.port reads its own registry).",
  }),
  'ui.retrain_args': setting({
    parse: list,
    default: ['--no-querylog', '--', '--data', '{labelled}'],
    env: ['ROADWORK_UI_RETRAIN_ARGS'],
    doc: 'Arguments of the roadwork retrain the web app runs as a child process (comma-separated, or a JSON array of strings when an argument holds a comma); {labelled} becomes the folder of the labelled queries it exports first (--no-querylog: retrain does not add them a second time), e.g. --no-querylog,--challenges,../gate-set,--,--data,../photos,--data,{labelled}.',
  }),
  'roi.gpu_usd_per_hour': setting({
    parse: num(0, 1_000_000),
    default: 0,
    env: ['ROADWORK_GPU_USD_PER_HOUR'],
    doc: 'What the GPU the miner runs on costs, USD per hour (roadwork roi).',
  }),
  'roi.other_usd_per_month': setting({
    parse: num(0, 100_000_000),
    default: 0,
    env: ['ROADWORK_OTHER_USD_PER_MONTH'],
    doc: 'Other running costs (host, bandwidth, storage), USD per 30 days (roadwork roi).',
  }),
  'roi.tao_usd': setting({
    parse: num(0, 100_000_000),
    default: 0,
    env: ['ROADWORK_TAO_USD'],
    doc: 'TAO price in USD for roadwork roi; 0 = ask roi.price_feed_url, or leave USD unknown when that is empty.',
  }),
  'roi.price_feed_url': setting({
    parse: str(),
    default: '',
    env: ['ROADWORK_PRICE_FEED_URL'],
    doc: 'JSON price feed roadwork roi asks for the TAO price when roi.tao_usd is 0, e.g. https://api.coingecko.com/api/v3/simple/price?ids=bittensor&vs_currencies=usd; empty = none.',
  }),
  'roi.price_feed_path': setting({
    parse: str(),
    default: 'bittensor.usd',
    env: ['ROADWORK_PRICE_FEED_PATH'],
    doc: "Dotted path to the price in the feed's JSON.",
  }),
  'log.level': setting({
    parse: str(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    env: ['LOG_LEVEL'],
    doc: 'Log level.',
  }),
});

/**
 * Settings that were accepted once and never read. A config file naming one is refused with the
 * replacement; the reference miner's environment names for them are not read (a warning says so).
 */
export const REMOVED_SETTINGS: Readonly<
  Record<string, { readonly env: readonly string[]; readonly instead: string }>
> = Object.freeze({
  'model.detector': {
    env: ['IMAGE_DETECTOR'],
    instead:
      'the model is chosen by cascade.config (a cascade or bundle) or model.path (one ONNX classifier)',
  },
  'model.config': {
    env: ['IMAGE_DETECTOR_CONFIG'],
    instead: 'give the cascade config file as cascade.config',
  },
});

/** A setting's key. */
export type SettingKey = keyof typeof SCHEMA;

/** The resolved, frozen settings. */
export type Settings = { readonly [K in SettingKey]: (typeof SCHEMA)[K]['default'] };
