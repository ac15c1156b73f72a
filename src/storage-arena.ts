/**
 * Bump allocation of sketch storage for sketches created together and
 * dropped together: the sketches of the finest time buckets of a
 * `TimeWindows`, which passes its arena to them as their `SketchStorage`.
 *
 * Allocating a typed array's own `ArrayBuffer` costs V8 about a microsecond
 * (an off-heap backing store, zero-filled, and external-memory accounting
 * that brings full collections forward). A windowed aggregation creates a
 * few sketches per key and hour, each with one to three such buffers, which
 * made those allocations a large share of ingest time. An arena instead
 * hands out views into shared 64 KiB chunks (fresh, so zeroed; never
 * reused). A chunk is freed by the garbage collector once every view into
 * it is unreachable; the buckets of one `TimeWindows` expire in the order
 * they were created, so its chunks are freed in order too.
 *
 * The cost: a view keeps its whole chunk alive, and storage a sketch
 * abandons (a HyperLogLog's sparse table after it grows) stays in the chunk
 * until the chunk is freed. So only the finest buckets of a `TimeWindows`
 * with a monoid aggregator take storage from an arena (rollups and query
 * results are built from `empty`, so never share a bucket's state).
 *
 * Internal: not part of the public API.
 */
import type { SketchStorage } from "./sketches/sketch.js";

/** Chunk size. */
const CHUNK_BYTES = 65536;
/** Larger requests get their own buffer: they would waste too much of a chunk. */
const MAX_ARENA_BYTES = 8192;

export class StorageArena implements SketchStorage {
  private chunk: ArrayBuffer | undefined = undefined;
  private used = 0;

  /** `byteLength` zeroed bytes, 8-byte aligned (so any typed array can view them). */
  allocate(byteLength: number): Uint8Array<ArrayBuffer> {
    if (byteLength > MAX_ARENA_BYTES) return new Uint8Array(byteLength);
    if (this.chunk === undefined || this.used + byteLength > CHUNK_BYTES) {
      this.chunk = new ArrayBuffer(CHUNK_BYTES);
      this.used = 0;
    }
    const view = new Uint8Array(this.chunk, this.used, byteLength);
    this.used += (byteLength + 7) & ~7;
    return view;
  }
}
