import type { MonoidAggregator } from "../aggregators/aggregator.js";
import { makeMonoid, type Monoid } from "../algebra/monoid.js";
import { InvalidArgumentError } from "../errors.js";

/**
 * A decayed sum as of a reference time: `value` is the sum of every
 * contribution `v_i` at time `t_i <= time`, each weighted by
 * `2^(-(time - t_i) / halfLife)`. The empty value is `{ value: 0, time: -Infinity }`.
 *
 * @example
 * ```ts
 * import { type DecayedValue } from "papertrail/windows";
 * const failedLogins: DecayedValue = { value: 12.5, time: Date.UTC(2024, 0, 1) };
 * failedLogins.value; // => 12.5
 * ```
 */
export interface DecayedValue {
  value: number;
  time: number;
}

/**
 * Exponentially decayed sums with a half-life (Algebird's `DecayedValue`,
 * kept scaled to the latest time seen rather than to time 0, so values never
 * overflow however long the stream runs). A contribution loses half its
 * weight every `halfLife` milliseconds: "failed logins, recent ones
 * counting most".
 *
 * The monoid brings the older operand forward to the newer one's time and
 * adds: commutative, and associative up to floating-point rounding.
 *
 * @example
 * ```ts
 * import { ExponentialDecay } from "papertrail/windows";
 * const hour = 3_600_000;
 * const decay = new ExponentialDecay(hour);
 * const score = decay.monoid.combine(decay.of(8, 0), decay.of(1, 2 * hour));
 * score; // => { value: 8 / 4 + 1, time: 2 * hour }
 * decay.valueAt(score, 3 * hour); // => 1.5
 * ```
 */
export class ExponentialDecay {
  /** Half-life in milliseconds. */
  readonly halfLife: number;
  /** The monoid of decayed values; `empty` is a fresh `{ value: 0, time: -Infinity }`. */
  readonly monoid: Monoid<DecayedValue>;

  constructor(halfLife: number) {
    if (!Number.isFinite(halfLife) || halfLife <= 0) throw new InvalidArgumentError(`ExponentialDecay halfLife must be a finite number of ms > 0, got ${halfLife}`);
    this.halfLife = halfLife;
    const combine = (x: DecayedValue, y: DecayedValue): DecayedValue => {
      if (x.time === y.time) return { value: x.value + y.value, time: x.time };
      return x.time > y.time
        ? { value: x.value + y.value * 2 ** ((y.time - x.time) / halfLife), time: x.time }
        : { value: y.value + x.value * 2 ** ((x.time - y.time) / halfLife), time: y.time };
    };
    this.monoid = makeMonoid<DecayedValue>({
      combine,
      empty: () => ({ value: 0, time: Number.NEGATIVE_INFINITY }),
      freshEmpty: true,
      commutative: true,
      combineMany: (first, rest) => {
        const acc = { value: first.value, time: first.time };
        for (const next of rest) addInto(acc, next.value, next.time, halfLife);
        return acc;
      },
    });
  }

  /** A contribution `value` at `time`. */
  of(value: number, time: number): DecayedValue {
    if (!Number.isFinite(value) || !Number.isFinite(time)) throw new InvalidArgumentError(`ExponentialDecay.of needs finite value and time, got ${value}, ${time}`);
    return { value, time };
  }

  /** The decayed value as of `time` (at or after the value's own time: it decays further). */
  valueAt(decayed: DecayedValue, time: number): number {
    if (decayed.value === 0) return 0;
    return decayed.value * 2 ** ((decayed.time - time) / this.halfLife);
  }

  /**
   * An aggregator of decayed sums: `prepare` takes an input's value and time,
   * `append` adds one into the state in place (no allocation), `present`
   * gives the state's value as of its own (latest) time.
   *
   * @example
   * ```ts
   * import { ExponentialDecay } from "papertrail/windows";
   * const decay = new ExponentialDecay(60_000);
   * const failures = decay.aggregator((e: { at: number }) => 1, (e) => e.at);
   * const state = failures.append(failures.prepare({ at: 0 }), { at: 60_000 });
   * failures.present(state); // => 1.5
   * ```
   */
  aggregator<In>(value: (input: In) => number, time: (input: In) => number): MonoidAggregator<In, DecayedValue, number> {
    const halfLife = this.halfLife;
    const monoid = this.monoid;
    return {
      prepare: (input) => this.of(value(input), time(input)),
      append: (state, input) => {
        const v = value(input);
        const t = time(input);
        if (!Number.isFinite(v) || !Number.isFinite(t)) throw new InvalidArgumentError(`ExponentialDecay: needs finite value and time, got ${v}, ${t}`);
        return addInto(state, v, t, halfLife);
      },
      present: (state) => state.value,
      semigroup: monoid,
      monoid,
    };
  }
}

/** Adds a contribution into `acc` in place, keeping the later reference time. */
function addInto(acc: DecayedValue, value: number, time: number, halfLife: number): DecayedValue {
  if (time === acc.time) acc.value += value;
  else if (time < acc.time) acc.value += value * 2 ** ((time - acc.time) / halfLife);
  else {
    acc.value = value + acc.value * 2 ** ((acc.time - time) / halfLife);
    acc.time = time;
  }
  return acc;
}
