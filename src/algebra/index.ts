/**
 * Type classes (Semigroup, Monoid, Group) and their instances and
 * combinators. Import from `papertrail/algebra` or from the package root.
 *
 * @module algebra
 */
export { makeSemigroup, combineAllOption, reverse } from "./semigroup.js";
export type { Semigroup, SemigroupDefinition } from "./semigroup.js";
export { makeMonoid, combineAll } from "./monoid.js";
export type { Monoid, MonoidDefinition } from "./monoid.js";
export { makeGroup, subtract } from "./group.js";
export type { Group, GroupDefinition } from "./group.js";
export { GroupSum, MonoidSum, MonoidProduct, MonoidMin, MonoidMax, GroupBigIntSum } from "./number.js";
export { min, max, SemigroupFirst, SemigroupLast } from "./order.js";
export type { Order } from "./order.js";
export { MonoidAll, MonoidAny } from "./boolean.js";
export { MonoidString, arrayConcat, setUnion, mapMerge } from "./collections.js";
export { option } from "./option.js";
export { struct, tuple } from "./product.js";
export type { StructOf, TupleOf, Strongest, SomeSemigroup, SomeMonoid, SomeGroup } from "./product.js";
export { compensatedSum, compensatedValue, GroupCompensatedSum, MonoidCompensatedSum } from "./compensated-sum.js";
export type { CompensatedSum } from "./compensated-sum.js";
export { vectorSum } from "./vector-sum.js";
export { Approximate, MonoidApproximateSum } from "./approximate.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
