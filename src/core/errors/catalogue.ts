/**
 * The one catalogue of error codes. `docs/errors.md` documents every code; a test keeps them in sync.
 * `status` is the HTTP status the axon answers with when the error reaches a caller (Bittensor's codes).
 */
export const ERRORS = Object.freeze({
  // Request routing and headers (Bittensor answers 400 / 404).
  ERR_NOT_FOUND: { status: 404, doc: 'The path names no synapse this axon serves.' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, doc: 'Synapses are sent with POST; health and metrics with GET.' },
  ERR_HEADER_MISSING: { status: 400, doc: 'A required Bittensor header is missing.' },
  ERR_HEADER_INVALID: { status: 400, doc: 'A Bittensor header has a malformed value.' },
  ERR_HEADERS_TOO_LARGE: {
    status: 400,
    doc: 'The request headers exceed the configured limit (431 when Node refuses them before the axon reads them).',
  },
  ERR_HTTP_MALFORMED: {
    status: 400,
    doc: 'The request is not well-formed HTTP/1.1 (bad chunk sizes, conflicting lengths, an unknown method): refused by the HTTP parser, the connection closed.',
  },
  ERR_SYNAPSE_NAME_MISMATCH: { status: 400, doc: 'The `name` header does not match the request path.' },
  ERR_BODY_HASH_MISMATCH: {
    status: 400,
    doc: '`computed_body_hash` is not the hash of the synapse required hash fields.',
  },
  // Blacklist (before the body is read; Bittensor answers 403).
  ERR_CALLER_UNKNOWN: { status: 403, doc: 'The caller hotkey is not registered in the metagraph.' },
  ERR_CALLER_NO_PERMIT: { status: 403, doc: 'The caller has no validator permit and permits are required.' },
  ERR_CALLER_LOW_STAKE: { status: 403, doc: "The caller's stake is below `blacklist.min_stake`." },
  ERR_CALLER_DENIED: { status: 403, doc: 'The caller hotkey is on the deny list.' },
  ERR_METAGRAPH_UNAVAILABLE: {
    status: 503,
    doc: 'No metagraph has been loaded yet, so callers cannot be checked.',
  },
  // Verification (Bittensor answers 401).
  ERR_SIGNATURE_MISSING: { status: 401, doc: 'The signature header is empty or absent (always rejected).' },
  ERR_SIGNATURE_MALFORMED: { status: 401, doc: 'The signature is not `0x` followed by 64 bytes of hex.' },
  ERR_SIGNATURE_MISMATCH: {
    status: 401,
    doc: 'The sr25519 signature does not verify for the caller hotkey.',
  },
  ERR_HOTKEY_INVALID: { status: 401, doc: 'The caller hotkey is not a valid ss58 address.' },
  ERR_NONCE_INVALID: { status: 400, doc: 'The nonce is not a decimal integer of nanoseconds.' },
  ERR_NONCE_STALE: { status: 401, doc: 'The first nonce of a `hotkey:uuid` is older than the window.' },
  ERR_NONCE_REPLAYED: { status: 401, doc: 'The nonce is not greater than the last accepted for the key.' },
  // Body and image (the caller sent something unusable).
  ERR_BODY_TOO_LARGE: { status: 413, doc: 'The body exceeds `limits.max_body_bytes`.' },
  ERR_BODY_INVALID_JSON: {
    status: 400,
    doc: 'The body is not a JSON object, or not one the axon parses: nested deeper than 32 levels, more than 64 KiB outside the `image` string, or the key `image` twice.',
  },
  ERR_IMAGE_MISSING: { status: 400, doc: 'The synapse has no `image` field, or it is empty.' },
  ERR_IMAGE_BASE64: { status: 400, doc: 'The `image` field is not valid standard base64.' },
  ERR_IMAGE_FORMAT: { status: 400, doc: 'The image bytes are not a supported image (JPEG, PNG, WebP).' },
  ERR_IMAGE_TOO_LARGE: { status: 400, doc: 'The image declares more pixels than `limits.max_pixels`.' },
  ERR_IMAGE_TOO_COMPLEX: {
    status: 400,
    doc: 'The JPEG has more scans than `limits.max_jpeg_scans` (a progressive scan bomb).',
  },
  ERR_IMAGE_DECODE_TIMEOUT: { status: 408, doc: 'Decoding the image took longer than allowed.' },
  // Serving.
  ERR_DEADLINE_EXCEEDED: { status: 408, doc: 'The request could not be answered before its deadline.' },
  ERR_OVERLOADED: { status: 503, doc: 'The queue is full; the request was shed (lowest stake first).' },
  ERR_SHUTTING_DOWN: { status: 503, doc: 'The axon is draining for shutdown and takes no new requests.' },
  ERR_NOT_READY: { status: 503, doc: 'The predictor or the metagraph is not ready yet.' },
  ERR_METRICS_FORBIDDEN: {
    status: 403,
    doc: '`/metrics` was asked from an address outside `metrics.allow_from` without the `metrics.token` bearer token.',
  },
  ERR_INTERNAL: { status: 500, doc: 'An unexpected failure; the log has the cause.' },
  // Models and workers.
  ERR_MODEL_LOAD: { status: 500, doc: 'A model file could not be loaded.' },
  ERR_MODEL_OUTPUT: {
    status: 500,
    doc: 'A model produced an output of the wrong shape or a non-finite value.',
  },
  ERR_WORKER_CRASHED: { status: 500, doc: 'A worker thread died while it held the job.' },
  ERR_WORKER_POOL_CLOSED: { status: 503, doc: 'The worker pool was closed before the job ran.' },
  ERR_BATCHER_CLOSED: { status: 503, doc: 'The micro-batcher was closed; it takes no new items.' },
  ERR_STAGE_TIMEOUT: { status: 408, doc: 'A model stage could not finish within its budget.' },
  ERR_MODEL_SERVER: {
    status: 503,
    doc: 'A model server (a VLM behind an OpenAI-compatible API, a KServe v2 server such as Triton) could not be reached or answered with an HTTP error.',
  },
  ERR_MODEL_NOT_READY: {
    status: 503,
    doc: 'A KServe v2 server answered that it, or the model a stage names, is not ready (`/v2/health/ready`, `/v2/models/{name}/ready`).',
  },
  ERR_MODEL_SIGNATURE: {
    status: 500,
    doc: "A served model's metadata (input and output names, datatypes, shapes) does not fit what the stage sends or reads.",
  },
  // Configuration, wallet and chain (start-up and CLI; never sent to callers).
  ERR_CONFIG_INVALID: {
    status: undefined,
    doc: 'A setting has an invalid value; the message names the key.',
  },
  ERR_CONFIG_UNKNOWN_KEY: {
    status: undefined,
    doc: 'A config file or flag names a setting that does not exist.',
  },
  ERR_CONFIG_FILE: { status: undefined, doc: 'The config file cannot be read or parsed.' },
  ERR_PORT_IN_USE: {
    status: undefined,
    doc: 'Another process listens on `axon.host`:`axon.port`; checked before the models load.',
  },
  ERR_WALLET_NOT_FOUND: { status: undefined, doc: 'The hotkey file does not exist at the wallet path.' },
  ERR_WALLET_INVALID: {
    status: undefined,
    doc: 'The hotkey file or secret cannot be turned into a keypair, or a new hotkey file cannot be written at the wallet path.',
  },
  ERR_WALLET_EXISTS: {
    status: undefined,
    doc: 'A hotkey file already exists where a new one was to be created.',
  },
  ERR_METAGRAPH_FILE: { status: undefined, doc: 'The static metagraph file is missing or malformed.' },
  ERR_CHAIN_UNREACHABLE: { status: undefined, doc: 'The subtensor endpoint did not answer.' },
  ERR_CHAIN_DECODE: { status: undefined, doc: 'A chain response could not be decoded.' },
  ERR_CHAIN_RPC: {
    status: undefined,
    doc: 'The subtensor node answered a request with an error (a node without the state or methods asked for: pruned, another network, an old runtime).',
  },
  ERR_CHAIN_SUBMIT: {
    status: undefined,
    doc: 'The chain refused an extrinsic, or did not include it in time; the message has its reason.',
  },
  ERR_PRICE_FEED: {
    status: undefined,
    doc: 'The TAO price feed (`roi.price_feed_url`) did not answer with a positive price at `roi.price_feed_path`.',
  },
  ERR_HOTKEY_NOT_REGISTERED: {
    status: undefined,
    doc: 'The hotkey holds no uid on the subnet; register it with btcli (the coldkey pays).',
  },
  ERR_DENDRITE_TRANSPORT: {
    status: undefined,
    doc: 'The dendrite could not reach the axon (network error).',
  },
  ERR_DENDRITE_TIMEOUT: {
    status: undefined,
    doc: 'The axon did not answer the dendrite within the timeout.',
  },
  ERR_LOCK_HELD: {
    status: undefined,
    doc: 'Another live process is writing the same file (e.g. two `roadwork train` runs sharing one embedding cache); wait for it or use another folder.',
  },
  ERR_DATASET_INVALID: {
    status: undefined,
    doc: 'A labelled image folder or its manifest is missing, empty or malformed.',
  },
  ERR_DENDRITE_RESPONSE: {
    status: undefined,
    doc: 'The axon answered with a body the dendrite cannot parse.',
  },
  ERR_EVAL_STOPPED: {
    status: undefined,
    doc: 'An eval run stopped early because the axon became unreachable (the miner died or its port closed).',
  },
  ERR_EVAL_NO_ANSWERS: {
    status: undefined,
    doc: 'No challenge of an eval run got an answer: every request was refused or failed (see the refusals).',
  },
  // Store, datasets and the model registry (CLI and start-up; never sent to callers).
  ERR_STORE: {
    status: undefined,
    doc: 'A store (the embedded SQLite file, or the query log on SQLite or PostgreSQL at `store.url`) cannot be opened, migrated or written; nothing stored was changed.',
  },
  ERR_VERSION_UNKNOWN: {
    status: undefined,
    doc: 'A dataset or model version id names nothing in the store.',
  },
  ERR_QUERY_UNKNOWN: {
    status: 404,
    doc: 'A query id names no request in the query log (it was never logged, or retention pruned it).',
  },
  ERR_QUERY_NO_EMBEDDING: {
    status: undefined,
    doc: 'The query has no backbone embedding to compare (no stage computed one, or its width differs from the rest of the log), so it has no neighbours.',
  },
  ERR_RETRAIN_NO_DATA: {
    status: undefined,
    doc: '`roadwork retrain` has nothing to train on: no `--data` after `--` and too few labelled images in the query log.',
  },
  ERR_BASE_CASCADE: {
    status: undefined,
    doc: "`roadwork train --base`: the base cascade cannot be read, or no single backbone-head stage of it has the trained head's embedder, preprocess and TTA.",
  },
  ERR_PROMOTION_REFUSED: {
    status: undefined,
    doc: 'The candidate model did not beat production on the challenge set by the required margin.',
  },
  // The web app (start-up and its own HTTP answers; never sent to a validator).
  ERR_UI_UNSAFE_BIND: {
    status: undefined,
    doc: 'The web app was asked to listen beyond loopback (`ui.host`) without `ui.token`.',
  },
  ERR_UI_BUSY: {
    status: 503,
    doc: 'A web app action that runs one at a time (retrain) is already running.',
  },
  ERR_UI_METRICS: {
    status: 503,
    doc: "`roadwork ui` could not read the running miner's /metrics (`ui.metrics_url`) for its dashboard.",
  },
  ERR_UI_UNAUTHORIZED: {
    status: 401,
    doc: 'A web app request came without the `ui.token` (bearer header or the cookie `?token=` sets).',
  },
  ERR_UI_FORBIDDEN_ORIGIN: {
    status: 403,
    doc: 'A web app request another site could have made the browser send: a non-loopback `Host` without `ui.token`, or a change (POST) from another origin or not sent as JSON.',
  },
  // Publishing and registration (commands only; never answered to a validator).
  ERR_PUBLISH: {
    status: undefined,
    doc: 'The model hub refused or failed an upload (repository creation, LFS upload or commit).',
  },
  ERR_REGISTRATION: {
    status: undefined,
    doc: "NATIX's registration server was unreachable, refused the registration, reported it failed, or did not finish in time.",
  },
} satisfies Record<string, { status: number | undefined; doc: string }>);

/** Every error code the project uses. */
export type ErrorCode = keyof typeof ERRORS;
