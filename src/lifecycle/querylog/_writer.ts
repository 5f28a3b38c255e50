/**
 * The query log's writer: the axon's `onAnswered` hook only appends to a bounded queue (a full queue
 * drops and counts); a timer drains it in batches, hashing and writing images, then one transaction
 * per batch. A kill loses at most what was queued.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import type { AsyncQueries, AsyncStore } from '../../core/store/index.js';
import type { AnsweredHook, AnsweredRequest } from '../../wire/axon/index.js';
import { ensureImageSync, imagePath, storeImage } from './_images.js';
import { QUERY_COLUMNS, prepareEntry, type PreparedEntry } from './_row.js';
import { WRITE_LOCK } from './_schema.js';
import { addCounters } from './_counters.js';

/** Options of the writer. */
export interface QueryLogWriterOptions {
  /** Requests waiting at most; beyond, new ones are dropped and counted. */
  readonly queueSize: number;
  /** The folder of the image files (`<data_dir>/queries`). */
  readonly imagesDir: string;
  /** Rows per transaction. Default 64. */
  readonly batchSize?: number;
  /** Longest a request waits before its batch is written, ms. Default 250. */
  readonly flushMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'querylogLogged' | 'querylogDropped' | 'querylogQueue'>;
}

/** What the writer has done since it started. */
export interface QueryLogCounts {
  readonly logged: number;
  readonly dropped: number;
  readonly queued: number;
}

/** Writes answered requests to the store, off the answer's path. */
export class QueryLogWriter {
  readonly #store: AsyncStore;
  readonly #options: QueryLogWriterOptions;
  readonly #batchSize: number;
  readonly #flushMs: number;
  #queue: AnsweredRequest[] = [];
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #logged = 0;
  #dropped = 0;
  // Drops not yet added to the store's counters (written with the next batch).
  #unsaved = { full: 0, error: 0 };
  #failures = 0;
  #closed = false;
  // sha256 → pHash of recent images (see `prepareEntry`).
  readonly #known = new Map<string, string>();
  // Shard folders made so far (see `storeImage`).
  readonly #shards = new Set<string>();

  constructor(store: AsyncStore, options: QueryLogWriterOptions) {
    this.#store = store;
    this.#options = options;
    this.#batchSize = options.batchSize ?? 64;
    this.#flushMs = options.flushMs ?? 250;
  }

  /** The `onAnswered` hook: a push and maybe a timer, nothing else on the answer's turn. */
  readonly hook: AnsweredHook = (answered) => {
    this.offer(answered);
  };

  /** Queues one request; false (and counted) when the queue is full or the writer closed. */
  offer(answered: AnsweredRequest): boolean {
    if (this.#closed || this.#queue.length >= this.#options.queueSize) {
      this.#drop('full', 1);
      return false;
    }
    // The decoded pixels (147 KB at 224², megabytes at source size) are only read for a pHash the cascade
    // did not take; held by the queue past a young-generation GC they would be copied into old space.
    this.#queue.push(answered.phash === undefined ? answered : withoutPixels(answered));
    this.#options.metrics.querylogQueue.set(this.#queue.length);
    if (this.#draining === undefined) {
      if (this.#queue.length >= this.#batchSize) this.#kick();
      else this.#arm();
    }
    return true;
  }

  /** Counts so far. */
  counts(): QueryLogCounts {
    return { logged: this.#logged, dropped: this.#dropped, queued: this.#queue.length };
  }

  /** Writes everything queued now (and the drop counts); resolves when it is in the store or counted as dropped. */
  async flush(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
    this.#start(true);
    await this.#draining;
  }

  /** Stops accepting, writes what is queued, and stops the timer. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drop(reason: 'full' | 'error', n: number): void {
    this.#dropped += n;
    this.#unsaved[reason] += n;
    this.#options.metrics.querylogDropped.inc({ reason }, n);
  }

  #kick(): void {
    if (this.#draining === undefined) this.#start(false);
  }

  #start(all: boolean): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining = this.#drain(all).finally(() => {
      this.#draining = undefined;
      // Requests that arrived during the last write start the next batch's timer.
      if (this.#queue.length > 0 && !this.#closed) this.#arm();
    });
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.#kick(), this.#queue.length >= this.#batchSize ? 0 : this.#flushMs);
    this.#timer.unref();
  }

  // `all`: everything queued, and the drop counts even with no request to write.
  async #drain(all: boolean): Promise<void> {
    let first = true;
    while (
      this.#queue.length >= this.#batchSize ||
      (all && this.#queue.length > 0) ||
      (first && (this.#queue.length > 0 || this.#unsaved.full + this.#unsaved.error > 0))
    ) {
      first = false;
      const batch = this.#queue.splice(0, this.#batchSize);
      this.#options.metrics.querylogQueue.set(this.#queue.length);
      try {
        const written = await this.#write(batch);
        this.#logged += written;
        this.#options.metrics.querylogLogged.inc(written);
      } catch (err) {
        this.#drop('error', batch.length);
        this.#failures++;
        const log = this.#options.logger;
        // The first failure in full; later ones at debug (the drop counter has them all).
        if (this.#failures === 1)
          log.warn({ err, dropped: batch.length }, 'The query log could not write a batch; it was dropped');
        else log.debug({ err, dropped: batch.length }, 'The query log could not write a batch again');
      }
    }
  }

  // Resolves with the rows written (a request whose image cannot be read is dropped alone).
  async #write(batch: readonly AnsweredRequest[]): Promise<number> {
    const now = this.#options.clock.nowMs();
    const entries: PreparedEntry[] = [];
    for (const a of batch) {
      try {
        entries.push(prepareEntry(a, now, this.#known));
      } catch (err) {
        this.#drop('error', 1);
        this.#options.logger.debug({ err, reqId: a.id }, 'The query log could not read an answered request');
      }
    }
    const dir = this.#options.imagesDir;
    const distinct = new Map(entries.map((e) => [e.image.sha256, e]));
    // Images first, outside the lock (the slow part); a row is only ever written after its file.
    for (const e of distinct.values())
      await storeImage(imagePath(dir, e.image.sha256, e.image.ext), e.data, this.#shards);
    const drops = { ...this.#unsaved };
    await this.#store.transaction(
      async (tx) => {
        // Under the lock a pruner may have removed a file since: put it back before the row refers to it.
        for (const e of distinct.values())
          ensureImageSync(imagePath(dir, e.image.sha256, e.image.ext), e.data);
        if (distinct.size > 0) await upsertImages(tx, [...distinct.values()], now);
        if (entries.length > 0) await insertQueries(tx, entries);
        await addCounters(tx, { dropped_full: drops.full, dropped_error: drops.error });
      },
      { lock: WRITE_LOCK },
    );
    this.#unsaved.full -= drops.full;
    this.#unsaved.error -= drops.error;
    return entries.length;
  }
}

function withoutPixels({ decoded: _, ...rest }: AnsweredRequest): AnsweredRequest {
  return rest;
}

function placeholders(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

async function upsertImages(tx: AsyncQueries, entries: readonly PreparedEntry[], now: number): Promise<void> {
  await tx.run(
    `INSERT INTO query_images (sha256, ext, bytes, width, height, phash, first_seen, last_seen) VALUES ${placeholders(entries.length, 8)}
     ON CONFLICT (sha256) DO UPDATE SET last_seen = excluded.last_seen`,
    entries.flatMap(({ image: i }) => [i.sha256, i.ext, i.bytes, i.width, i.height, i.phash, now, now]),
  );
}

async function insertQueries(tx: AsyncQueries, entries: readonly PreparedEntry[]): Promise<void> {
  await tx.run(
    `INSERT INTO queries (${QUERY_COLUMNS.join(', ')}) VALUES ${placeholders(entries.length, QUERY_COLUMNS.length)}`,
    entries.flatMap((e) => e.values),
  );
}
