/**
 * Bump allocation of sketch storage for sketches created together and
 * dropped together: the sketches of the time buckets of a `TimeWindows`.
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
 * until the chunk is freed. So only `TimeWindows` makes an arena current,
 * only while it calls `prepare` and `append` on its finest buckets, and only
 * for aggregators with a monoid (whose rollups and query results are built
 * from `empty`, so never share a bucket's state); every other allocation,
 * including a kept bucket sketch that grows later, gets its own buffer. No
 * sketch holds a reference to an arena.
 *
 * Internal: not part of the public API.
 */

/** Chunk size. */
const CHUNK_BYTES = 65536;
/** Larger requests get their own buffer: they would waste too much of a chunk. */
const MAX_ARENA_BYTES = 8192;

export class StorageArena {
  private chunk: ArrayBuffer | undefined = undefined;
  private used = 0;

  /**
   * `bytes` of zeroed storage at `storageOffset()` in the returned buffer,
   * 8-byte aligned (so any typed array can view it).
   */
  allocate(bytes: number): ArrayBuffer {
    if (bytes > MAX_ARENA_BYTES) return ownBuffer(bytes);
    if (this.chunk === undefined || this.used + bytes > CHUNK_BYTES) {
      this.chunk = new ArrayBuffer(CHUNK_BYTES);
      this.used = 0;
    }
    offset = this.used;
    this.used += (bytes + 7) & ~7;
    return this.chunk as ArrayBuffer;
  }
}

let current: StorageArena | undefined = undefined;
let offset = 0;

/** The arena sketches created now should allocate from (`undefined`: their own buffers). */
export function currentArena(): StorageArena | undefined {
  return current;
}

/** Makes `arena` current and returns the previous one, to restore in a `finally`. */
export function enterArena(arena: StorageArena | undefined): StorageArena | undefined {
  const previous = current;
  current = arena;
  return previous;
}

/**
 * Storage of `bytes` zeroed bytes: from `arena` when there is one, else a
 * new buffer. The storage starts at `storageOffset()` of the result (read
 * it right away).
 */
export function allocateStorage(arena: StorageArena | undefined, bytes: number): ArrayBuffer {
  return arena === undefined ? ownBuffer(bytes) : arena.allocate(bytes);
}

function ownBuffer(bytes: number): ArrayBuffer {
  offset = 0;
  return new ArrayBuffer(bytes);
}

/** Byte offset of the storage returned by the last `allocateStorage`. */
export function storageOffset(): number {
  return offset;
}
