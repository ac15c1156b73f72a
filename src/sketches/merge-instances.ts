/**
 * The instances every sketch shares: a monoid whose `combine`
 * clones its first operand and merges the other into the copy (so inputs are
 * never mutated) and whose bulk path merges everything into one copy, and an
 * image codec built from the class's `toBytes` / `fromBytes`.
 *
 * @internal
 */
import { makeMonoid, type Monoid } from "../algebra/monoid.js";
import type { ImageCodec } from "../codec/image-codec.js";

/** What the merge-based instances need from a sketch. */
export interface MergeableSketch<S> {
  clone(): S;
  merge(other: S): S;
}

/** Options of {@link mergeMonoid}. */
interface MergeInstanceOptions<S> {
  /**
   * Validates the first operand against the instance's parameters (`merge`
   * validates the second); throws ParameterMismatchError.
   */
  readonly check?: (first: S) => void;
  readonly commutative?: boolean;
  /**
   * The bulk path's merge of `rest` into `out` (the copy of the first
   * operand), when the sketch can do better than merging one by one (a
   * HyperLogLog sizes its storage once for the union). Default: `merge`
   * each in turn.
   */
  readonly mergeAll?: (out: S, rest: readonly S[]) => void;
}

function mergeOperations<S extends MergeableSketch<S>>(check: (first: S) => void, mergeAll: ((out: S, rest: readonly S[]) => void) | undefined) {
  return {
    combine: (x: S, y: S): S => {
      check(x);
      return x.clone().merge(y);
    },
    combineMany: (first: S, rest: Iterable<S>): S => {
      check(first);
      const out = first.clone();
      if (mergeAll !== undefined) {
        mergeAll(out, Array.isArray(rest) ? (rest as readonly S[]) : [...rest]);
      } else {
        for (const value of rest) out.merge(value);
      }
      return out;
    },
  };
}

const noCheck = (): void => undefined;

/** A monoid of sketches with a fresh `empty()` on each read. */
export function mergeMonoid<S extends MergeableSketch<S>>(empty: () => S, options: MergeInstanceOptions<S> = {}): Monoid<S> {
  return makeMonoid<S>({
    ...mergeOperations(options.check ?? noCheck, options.mergeAll),
    empty,
    freshEmpty: true,
    commutative: options.commutative ?? true,
  });
}

/** The image codec of a sketch class: instances of `type`, written by `toBytes`, read by `fromBytes`. */
export function sketchCodec<S extends { toBytes(): Uint8Array }>(
  family: number,
  name: string,
  type: abstract new (...args: never[]) => S,
  fromBytes: (bytes: Uint8Array) => S,
): ImageCodec<S> {
  return {
    family,
    name,
    is: (value: unknown): value is S => value instanceof type,
    toBytes: (value: S) => value.toBytes(),
    fromBytes,
  };
}
