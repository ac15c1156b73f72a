/**
 * `instanceof` that works across copies of PaperTrail.
 *
 * A program often loads PaperTrail twice: the ESM build for its own code
 * and the CommonJS build through a dependency (or two versions side by
 * side). Each copy has its own classes, so a plain `instanceof` says that a
 * sketch or error made by one copy is not an instance of the other's class,
 * and merging the two would be refused. A branded class answers `instanceof`
 * by a registry symbol (`Symbol.for`, shared by every copy in the realm)
 * that its prototype carries, as well as by the ordinary prototype chain.
 *
 * The brand names the major version of the binary formats and of the object
 * layout: copies within one major version merge each other's objects; a
 * future 2.x copy would not claim 1.x objects.
 *
 * Subclasses a user writes keep the ordinary `instanceof`: the brand answers
 * only for the class that declared it.
 *
 * @internal
 */

const BRAND_PREFIX = "papertrail@1:";

// eslint-disable-next-line @typescript-eslint/unbound-method
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * Brands `type` as `name` (its public class name): instances made by any
 * copy of PaperTrail 1.x pass `x instanceof type`.
 */
export function brand(type: abstract new (...args: never[]) => unknown, name: string): void {
  const symbol = Symbol.for(BRAND_PREFIX + name);
  Object.defineProperty(type.prototype, symbol, { value: true });
  Object.defineProperty(type, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (ordinaryHasInstance.call(this, value)) return true;
      return (
        this === type &&
        value !== null &&
        (typeof value === "object" || typeof value === "function") &&
        (value as Record<symbol, unknown>)[symbol] === true
      );
    },
  });
}
