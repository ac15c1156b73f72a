/**
 * The time slicing of a windowed rule (docs/rules.md, "Sliding windows").
 *
 * A window of `W` ms is cut into `S` slices of `g = W / S` ms; an event at
 * time `t` falls in slice `floor(t / g)`. The window *ending at* slice `j`
 * covers slices `j - S + 1 .. j`, the half-open time range
 * `[(j - S + 1) g, (j + 1) g)`: exactly `W` ms, sliding in steps of `g`.
 *
 * Each key keeps a ring of `R = S + L` slices, where `L = ceil(lateness / g)`
 * extra slices hold what an event up to the allowed lateness behind the
 * watermark still needs (the windows ending at its slice reach `S - 1`
 * slices further back). Slot `slice mod R` of the ring holds a slice; the
 * newest slice of the key (`M`) decides which slices the ring holds:
 * `M - R + 1 .. M`.
 *
 * @internal
 */
export class SliceRing {
  /** Slice length, ms. */
  readonly size: number;
  /** Slices per window. */
  readonly slices: number;
  /** Slices kept per key. */
  readonly ring: number;

  constructor(window: number, slices: number, lateness: number, maxRing = Number.POSITIVE_INFINITY) {
    this.slices = slices;
    this.size = window / slices;
    this.ring = Math.min(maxRing, slices + Math.ceil(lateness / this.size));
  }

  /** The slice of time `t`. */
  sliceOf(time: number): number {
    return Math.floor(time / this.size);
  }

  /** Whether the windows ending at slice `slice` are all inside the ring of a key whose newest slice is `newest`. */
  holds(slice: number, newest: number): boolean {
    return slice - this.slices >= newest - this.ring;
  }

  /** Start time of the window ending at `slice`. */
  windowFrom(slice: number): number {
    return (slice - this.slices + 1) * this.size;
  }

  /** End time (exclusive) of the window ending at `slice`. */
  windowTo(slice: number): number {
    return (slice + 1) * this.size;
  }
}
