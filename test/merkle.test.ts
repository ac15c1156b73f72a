// RFC 6962 / RFC 9162 Merkle functions (src/compliance/merkle.ts).
//
// Golden vectors: the RFC 6962 reference test data of Certificate
// Transparency as published in transparency-dev/merkle, proof/verify_test.go
// (the same eight leaves, roots and proofs as the C++ and
// google/certificate-transparency-go test suites). Only the values are taken:
// leaves, the roots of the trees of the first 1..8 leaves, the inclusion
// proofs (there written with 1-based leaf numbers, here 0-based indexes) and
// the consistency proofs.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, consistencyProof, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion } from "../src/compliance/index.js";

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(fromHex);

/** ROOTS[n - 1] is the root of the tree of the first n leaves. */
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  { index: 2, size: 3, proof: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
  {
    index: 1,
    size: 5,
    proof: [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
];

const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

const EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** RFC 6962 §2.1 MTH written as the recursive definition, on node:crypto: the reference for merkleRoot. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  const hash = (...parts: Uint8Array[]): Uint8Array => {
    const h = createHash("sha256");
    for (const part of parts) h.update(part);
    return h.digest();
  };
  if (leaves.length === 0) return hash();
  if (leaves.length === 1) return hash(Uint8Array.of(0), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hash(Uint8Array.of(1), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[Math.floor(bit / 8) % copy.length]! ^= 1 << bit % 8;
  return copy;
}

function withElement(proof: readonly Uint8Array[], index: number, element: Uint8Array): Uint8Array[] {
  const copy = [...proof];
  copy[index] = element;
  return copy;
}

/** Leaf lists without repeats (a repeated leaf can legitimately prove itself at another index). */
const distinctLeaves = (minLength: number, maxLength: number) =>
  fc.uniqueArray(fc.uint8Array({ maxLength: 40 }), { minLength, maxLength, selector: (leaf) => hex(leaf) });

describe("RFC 6962 golden vectors (transparency-dev/merkle proof/verify_test.go)", () => {
  it("the empty tree's root is SHA-256 of the empty string", () => {
    expect(hex(merkleRoot([]))).toBe(EMPTY_ROOT);
  });

  it.each(ROOTS.map((root, i) => [i + 1, root] as const))("root of the first %i leaves is %s", (size, root) => {
    expect(hex(merkleRoot(LEAVES.slice(0, size)))).toBe(root);
  });

  it.each(INCLUSION)("inclusion proof of leaf $index in a tree of $size is the published one, and verifies", ({ index, size, proof }) => {
    const leaves = LEAVES.slice(0, size);
    expect(inclusionProof(leaves, index).map(hex)).toEqual(proof);
    expect(verifyInclusion(LEAVES[index]!, index, size, proof.map(fromHex), fromHex(ROOTS[size - 1]!))).toBe(true);
  });

  it.each(CONSISTENCY)("consistency proof from $size1 to $size2 leaves is the published one, and verifies", ({ size1, size2, proof }) => {
    expect(consistencyProof(LEAVES.slice(0, size2), size1).map(hex)).toEqual(proof);
    expect(verifyConsistency(size1, size2, fromHex(ROOTS[size1 - 1]!), fromHex(ROOTS[size2 - 1]!), proof.map(fromHex))).toBe(true);
  });

  // The corruptions of the reference suite (corruptInclusionProof there).
  it.each(INCLUSION.filter((v) => v.proof.length > 0))("corrupted inclusion proofs of leaf $index in $size fail", ({ index, size, proof: hexProof }) => {
    const leaf = LEAVES[index]!;
    const root = fromHex(ROOTS[size - 1]!);
    const proof = hexProof.map(fromHex);
    const someHash = fromHex("abacaba000000000000000000000000000000000000000000060061e00123456");
    const probes: [string, boolean][] = [
      ["index - 1", verifyInclusion(leaf, index - 1, size, proof, root)],
      ["index + 1", verifyInclusion(leaf, index + 1, size, proof, root)],
      ["index ^ 2", verifyInclusion(leaf, index ^ 2, size, proof, root)],
      ["size * 2", verifyInclusion(leaf, index, size * 2, proof, root)],
      ["size / 2", verifyInclusion(leaf, index, Math.floor(size / 2), proof, root)],
      ["wrong leaf", verifyInclusion(new TextEncoder().encode("WrongLeaf"), index, size, proof, root)],
      ["empty root", verifyInclusion(leaf, index, size, proof, fromHex(EMPTY_ROOT))],
      ["random root", verifyInclusion(leaf, index, size, proof, someHash)],
      ["trailing garbage", verifyInclusion(leaf, index, size, [...proof, new Uint8Array(0)], root)],
      ["trailing root", verifyInclusion(leaf, index, size, [...proof, root], root)],
      ["preceding garbage", verifyInclusion(leaf, index, size, [new Uint8Array(0), ...proof], root)],
      ["preceding root", verifyInclusion(leaf, index, size, [root, ...proof], root)],
      ["removed component", verifyInclusion(leaf, index, size, proof.slice(0, -1), root)],
      ["inserted component", verifyInclusion(leaf, index, size, [proof[0]!, someHash, ...proof.slice(1)], root)],
      ...proof.map((_, i): [string, boolean] => [`proof[${i}] bit 3`, verifyInclusion(leaf, index, size, withElement(proof, i, flipBit(proof[i]!, 3)), root)]),
    ];
    expect(probes.filter(([, verified]) => verified).map(([name]) => name)).toEqual([]);
  });

  it.each(CONSISTENCY.filter((v) => v.proof.length > 0))("corrupted consistency proofs from $size1 to $size2 fail", ({ size1, size2, proof: hexProof }) => {
    const root1 = fromHex(ROOTS[size1 - 1]!);
    const root2 = fromHex(ROOTS[size2 - 1]!);
    const proof = hexProof.map(fromHex);
    const probes: [string, boolean][] = [
      ["size1 - 1", verifyConsistency(size1 - 1, size2, root1, root2, proof)],
      ["size1 + 1", verifyConsistency(size1 + 1, size2, root1, root2, proof)],
      ["size1 ^ 2", verifyConsistency(size1 ^ 2, size2, root1, root2, proof)],
      ["size2 * 2", verifyConsistency(size1, size2 * 2, root1, root2, proof)],
      ["size2 / 2", verifyConsistency(size1, Math.floor(size2 / 2), root1, root2, proof)],
      ["wrong root1", verifyConsistency(size1, size2, new TextEncoder().encode("WrongRoot"), root2, proof)],
      ["wrong root2", verifyConsistency(size1, size2, root1, new TextEncoder().encode("WrongRoot"), proof)],
      ["swapped roots", verifyConsistency(size1, size2, root2, root1, proof)],
      ["empty proof", verifyConsistency(size1, size2, root1, root2, [])],
      ["trailing garbage", verifyConsistency(size1, size2, root1, root2, [...proof, new Uint8Array(0)])],
      ["trailing root1", verifyConsistency(size1, size2, root1, root2, [...proof, root1])],
      ["trailing root2", verifyConsistency(size1, size2, root1, root2, [...proof, root2])],
      ["preceding garbage", verifyConsistency(size1, size2, root1, root2, [new Uint8Array(0), ...proof])],
      ["preceding root1", verifyConsistency(size1, size2, root1, root2, [root1, ...proof])],
      ["preceding root2", verifyConsistency(size1, size2, root1, root2, [root2, ...proof])],
      ["preceding proof[0]", verifyConsistency(size1, size2, root1, root2, [proof[0]!, ...proof])],
      ["truncated proof", verifyConsistency(size1, size2, root1, root2, proof.slice(0, -1))],
      ...proof.map((_, i): [string, boolean] => [`proof[${i}] bit 4`, verifyConsistency(size1, size2, root1, root2, withElement(proof, i, flipBit(proof[i]!, 4)))]),
    ];
    expect(probes.filter(([, verified]) => verified).map(([name]) => name)).toEqual([]);
  });

  // GHSA-672p-m5jq-mrh8: clients of a widely used database checked only the
  // ends of a consistency proof, so a proof with a forged middle passed.
  it("a consistency proof whose middle element is tampered with fails", () => {
    const { size1, size2, proof: hexProof } = CONSISTENCY.find((v) => v.size1 === 6 && v.size2 === 8)!;
    const proof = hexProof.map(fromHex);
    const root1 = fromHex(ROOTS[size1 - 1]!);
    const root2 = fromHex(ROOTS[size2 - 1]!);
    expect(verifyConsistency(size1, size2, root1, root2, proof)).toBe(true);
    for (let bit = 0; bit < 256; bit++) {
      expect(verifyConsistency(size1, size2, root1, root2, withElement(proof, 1, flipBit(proof[1]!, bit))), `middle element, bit ${bit}`).toBe(false);
    }
    expect(verifyConsistency(size1, size2, root1, root2, withElement(proof, 1, new Uint8Array(32)))).toBe(false);
  });
});

describe("merkleRoot", () => {
  it("equals the recursive RFC 6962 definition (largest power of two split) for random leaf lists", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 70 }), (leaves) => {
        expect(hex(merkleRoot(leaves))).toBe(hex(referenceRoot(leaves)));
      }),
    );
  });

  it("a leaf's hash never equals the node hash it would be mistaken for (domain separation)", () => {
    // The 64 bytes of two leaf hashes, given as one leaf, hash with prefix 0x00, not 0x01.
    const pair = [new Uint8Array([1]), new Uint8Array([2])];
    const forged = new Uint8Array(64);
    forged.set(merkleRoot([pair[0]!]), 0);
    forged.set(merkleRoot([pair[1]!]), 32);
    expect(hex(merkleRoot([forged]))).not.toBe(hex(merkleRoot(pair)));
  });

  it("throws InvalidArgumentError on a non-array or a leaf that is not a Uint8Array", () => {
    expect(() => merkleRoot("abc" as unknown as Uint8Array[])).toThrow(InvalidArgumentError);
    expect(() => merkleRoot([new Uint8Array(1), [1, 2] as unknown as Uint8Array])).toThrow(/leaf 1 must be a Uint8Array/);
    expect(() => merkleRoot([undefined as unknown as Uint8Array])).toThrow(InvalidArgumentError);
  });
});

describe("proof generation arguments", () => {
  const leaves = LEAVES.slice(0, 5);

  it.each([-1, 5, 6, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number])("inclusionProof refuses index %s with InvalidArgumentError", (index) => {
    expect(() => inclusionProof(leaves, index)).toThrow(InvalidArgumentError);
  });

  it("inclusionProof refuses any index of an empty tree", () => {
    expect(() => inclusionProof([], 0)).toThrow(InvalidArgumentError);
  });

  it("inclusionProof refuses a proven leaf that is not a Uint8Array", () => {
    expect(() => inclusionProof([new Uint8Array(1), null as unknown as Uint8Array], 1)).toThrow(/leaf 1 must be a Uint8Array/);
  });

  it.each([-1, 6, 2.5, Number.NaN, null as unknown as number])("consistencyProof refuses oldSize %s with InvalidArgumentError", (oldSize) => {
    expect(() => consistencyProof(leaves, oldSize)).toThrow(InvalidArgumentError);
  });

  it("consistencyProof is empty from 0 leaves and from the whole tree", () => {
    expect(consistencyProof(leaves, 0)).toEqual([]);
    expect(consistencyProof(leaves, 5)).toEqual([]);
    expect(consistencyProof([], 0)).toEqual([]);
  });
});

describe("verifyInclusion", () => {
  it("every inclusion proof of every leaf verifies (random leaf lists)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 }), (leaves) => {
        const root = merkleRoot(leaves);
        leaves.forEach((leaf, index) => {
          expect(verifyInclusion(leaf, index, leaves.length, inclusionProof(leaves, index), root)).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("fails when any bit of any proof element, the root or the leaf is flipped", () => {
    fc.assert(
      fc.property(distinctLeaves(2, 40), fc.nat(), fc.nat(), fc.nat(255), (leaves, pick, element, bit) => {
        const index = pick % leaves.length;
        const size = leaves.length;
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, index);
        const leaf = leaves[index]!;
        const e = element % proof.length;
        expect(verifyInclusion(leaf, index, size, withElement(proof, e, flipBit(proof[e]!, bit)), root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit))).toBe(false);
        const changedLeaf = leaf.length === 0 ? new Uint8Array([bit]) : flipBit(leaf, bit);
        expect(verifyInclusion(changedLeaf, index, size, proof, root)).toBe(false);
      }),
    );
  });

  it("fails with any other index, and with the size doubled or halved", () => {
    fc.assert(
      fc.property(distinctLeaves(2, 40), fc.nat(), (leaves, pick) => {
        const index = pick % leaves.length;
        const size = leaves.length;
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, index);
        for (let other = 0; other < size + 2; other++) {
          if (other !== index) expect(verifyInclusion(leaves[index]!, other, size, proof, root), `index ${other}`).toBe(false);
        }
        expect(verifyInclusion(leaves[index]!, index, size * 2, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[index]!, index, Math.floor(size / 2), proof, root)).toBe(false);
        expect(verifyInclusion(leaves[index]!, index, index, proof, root)).toBe(false);
      }),
    );
  });

  // A proof binds a leaf to a root; which size that root belongs to comes
  // from the signed checkpoint. Two sizes whose trees have the same shape on
  // the leaf's path accept the same proof, so a size is never trusted alone.
  it("accepts a proof for another size whose tree has the same shape along the path (the root carries the size)", () => {
    const leaves = LEAVES.slice(0, 3);
    const proof = inclusionProof(leaves, 0);
    expect(verifyInclusion(leaves[0]!, 0, 4, proof, merkleRoot(leaves))).toBe(true);
    expect(verifyInclusion(leaves[0]!, 0, 5, proof, merkleRoot(leaves))).toBe(false);
  });

  it("fails when the proof is truncated, extended or has an element dropped or repeated", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 2, maxLength: 40 }), fc.nat(), fc.nat(), (leaves, pick, at) => {
        const index = pick % leaves.length;
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, index);
        const i = at % proof.length;
        const check = (p: Uint8Array[]) => verifyInclusion(leaves[index]!, index, leaves.length, p, root);
        expect(check(proof.slice(0, -1))).toBe(false);
        expect(check([...proof, root])).toBe(false);
        expect(check([...proof, proof[i]!])).toBe(false);
        expect(check([...proof.slice(0, i), ...proof.slice(i + 1)])).toBe(false);
        expect(check([...proof.slice(0, i), proof[i]!, ...proof.slice(i)])).toBe(false);
      }),
    );
  });

  it("a one-leaf tree: empty proof, root equal to the leaf hash", () => {
    const leaf = new TextEncoder().encode("data");
    const root = merkleRoot([leaf]);
    expect(verifyInclusion(leaf, 0, 1, [], root)).toBe(true);
    expect(verifyInclusion(leaf, 0, 1, [root], root)).toBe(false);
    expect(verifyInclusion(leaf, 1, 1, [], root)).toBe(false);
    expect(verifyInclusion(leaf, 0, 0, [], root)).toBe(false);
    expect(verifyInclusion(leaf, 0, 0, [], fromHex(EMPTY_ROOT))).toBe(false);
  });
});

describe("verifyConsistency", () => {
  it("every consistency proof from every old size verifies (random leaf lists)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), (leaves) => {
        const newRoot = merkleRoot(leaves);
        for (let oldSize = 0; oldSize <= leaves.length; oldSize++) {
          const oldRoot = merkleRoot(leaves.slice(0, oldSize));
          expect(verifyConsistency(oldSize, leaves.length, oldRoot, newRoot, consistencyProof(leaves, oldSize)), `old size ${oldSize}`).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("fails when any bit of any proof element or of either root is flipped", () => {
    fc.assert(
      fc.property(distinctLeaves(2, 40), fc.nat(), fc.nat(), fc.nat(255), (leaves, pick, element, bit) => {
        const newSize = leaves.length;
        const oldSize = 1 + (pick % (newSize - 1));
        const oldRoot = merkleRoot(leaves.slice(0, oldSize));
        const newRoot = merkleRoot(leaves);
        const proof = consistencyProof(leaves, oldSize);
        const e = element % proof.length;
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, withElement(proof, e, flipBit(proof[e]!, bit))), `element ${e}`).toBe(false);
        expect(verifyConsistency(oldSize, newSize, flipBit(oldRoot, bit), newRoot, proof)).toBe(false);
        expect(verifyConsistency(oldSize, newSize, oldRoot, flipBit(newRoot, bit), proof)).toBe(false);
      }),
    );
  });

  it("fails with the old size moved by one, or the new size doubled or halved", () => {
    fc.assert(
      fc.property(distinctLeaves(2, 40), fc.nat(), (leaves, pick) => {
        const newSize = leaves.length;
        const oldSize = 1 + (pick % (newSize - 1));
        const oldRoot = merkleRoot(leaves.slice(0, oldSize));
        const newRoot = merkleRoot(leaves);
        const proof = consistencyProof(leaves, oldSize);
        expect(verifyConsistency(oldSize - 1, newSize, oldRoot, newRoot, proof)).toBe(false);
        expect(verifyConsistency(oldSize + 1, newSize, oldRoot, newRoot, proof)).toBe(false);
        expect(verifyConsistency(oldSize, newSize * 2, oldRoot, newRoot, proof)).toBe(false);
        expect(verifyConsistency(oldSize, Math.floor(newSize / 2), oldRoot, newRoot, proof)).toBe(false);
        expect(verifyConsistency(newSize, oldSize, newRoot, oldRoot, proof)).toBe(false);
      }),
    );
  });

  it("fails when the proof is truncated, extended or has an element dropped or repeated", () => {
    fc.assert(
      fc.property(distinctLeaves(2, 40), fc.nat(), fc.nat(), (leaves, pick, at) => {
        const newSize = leaves.length;
        const oldSize = 1 + (pick % (newSize - 1));
        const oldRoot = merkleRoot(leaves.slice(0, oldSize));
        const newRoot = merkleRoot(leaves);
        const proof = consistencyProof(leaves, oldSize);
        const i = at % proof.length;
        const check = (p: Uint8Array[]) => verifyConsistency(oldSize, newSize, oldRoot, newRoot, p);
        expect(check(proof.slice(0, -1))).toBe(false);
        expect(check(proof.slice(1))).toBe(false);
        expect(check([...proof, newRoot])).toBe(false);
        expect(check([oldRoot, ...proof])).toBe(false);
        expect(check([...proof.slice(0, i), ...proof.slice(i + 1)])).toBe(false);
        expect(check([...proof.slice(0, i), proof[i]!, ...proof.slice(i)])).toBe(false);
      }),
    );
  });

  it("equal sizes need an empty proof and equal roots; old size 0 needs the empty tree's root", () => {
    const a = fromHex(ROOTS[2]!);
    const b = fromHex(ROOTS[3]!);
    const empty = fromHex(EMPTY_ROOT);
    expect(verifyConsistency(3, 3, a, a, [])).toBe(true);
    expect(verifyConsistency(3, 3, a, b, [])).toBe(false);
    expect(verifyConsistency(3, 3, a, a, [a])).toBe(false);
    expect(verifyConsistency(0, 4, empty, b, [])).toBe(true);
    expect(verifyConsistency(0, 0, empty, empty, [])).toBe(true);
    expect(verifyConsistency(0, 4, a, b, [])).toBe(false);
    expect(verifyConsistency(0, 4, empty, b, [empty])).toBe(false);
    expect(verifyConsistency(4, 3, b, a, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
  });
});

describe("hostile input to the verifiers", () => {
  const leaf = LEAVES[5]!;
  const root = fromHex(ROOTS[7]!);
  const proof = INCLUSION[2]!.proof.map(fromHex);
  const cons = CONSISTENCY[2]!;
  const root1 = fromHex(ROOTS[cons.size1 - 1]!);
  const consProof = cons.proof.map(fromHex);

  const badCounts: unknown[] = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.5, 2 ** 53, 2 ** 64, "5", 5n, null, undefined, {}];

  it("sizes and indexes that are not non-negative safe integers are refused", () => {
    for (const bad of badCounts) {
      expect(verifyInclusion(leaf, bad as number, 8, proof, root), `index ${String(bad)}`).toBe(false);
      expect(verifyInclusion(leaf, 5, bad as number, proof, root), `size ${String(bad)}`).toBe(false);
      expect(verifyConsistency(bad as number, 8, root1, root, consProof), `old size ${String(bad)}`).toBe(false);
      expect(verifyConsistency(6, bad as number, root1, root, consProof), `new size ${String(bad)}`).toBe(false);
    }
    expect(verifyInclusion(leaf, 5, 2 ** 53 - 1, proof, root)).toBe(false);
    expect(verifyConsistency(6, 2 ** 53 - 1, root1, root, consProof)).toBe(false);
  });

  it("an index equal to the tree size is refused", () => {
    const leaves = LEAVES.slice(0, 4);
    const last = inclusionProof(leaves, 3);
    expect(verifyInclusion(leaves[3]!, 4, 4, last, merkleRoot(leaves))).toBe(false);
  });

  it("roots and elements that are not 32-byte Uint8Arrays are refused", () => {
    const wrong: unknown[] = [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), Array.from(root), root.buffer, new Uint16Array(16), "x".repeat(32), null];
    for (const bad of wrong) {
      expect(verifyInclusion(leaf, 5, 8, proof, bad as Uint8Array)).toBe(false);
      expect(verifyInclusion(leaf, 5, 8, withElement(proof, 1, bad as Uint8Array), root)).toBe(false);
      expect(verifyConsistency(6, 8, bad as Uint8Array, root, consProof)).toBe(false);
      expect(verifyConsistency(6, 8, root1, bad as Uint8Array, consProof)).toBe(false);
      expect(verifyConsistency(6, 8, root1, root, withElement(consProof, 1, bad as Uint8Array))).toBe(false);
    }
    expect(verifyInclusion(Array.from(leaf) as unknown as Uint8Array, 5, 8, proof, root)).toBe(false);
  });

  it("proofs that are not arrays, or absurdly long, are refused without hashing them", () => {
    for (const bad of [null, undefined, { length: 3, 0: proof[0], 1: proof[1], 2: proof[2] }, "proof", new Set(proof)] as unknown[]) {
      expect(verifyInclusion(leaf, 5, 8, bad as Uint8Array[], root)).toBe(false);
      expect(verifyConsistency(6, 8, root1, root, bad as Uint8Array[])).toBe(false);
    }
    const long = Array.from({ length: 100_000 }, () => root);
    expect(verifyInclusion(leaf, 5, 8, long, root)).toBe(false);
    expect(verifyConsistency(6, 8, root1, root, long)).toBe(false);
  });

  it("objects whose getters throw are refused, not rethrown", () => {
    const trap = new Proxy([] as Uint8Array[], {
      get() {
        throw new Error("trap");
      },
    });
    const fake = Object.create(Uint8Array.prototype) as Uint8Array;
    expect(verifyInclusion(leaf, 5, 8, trap, root)).toBe(false);
    expect(verifyConsistency(6, 8, root1, root, trap)).toBe(false);
    expect(verifyInclusion(fake, 5, 8, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 5, 8, proof, fake)).toBe(false);
    expect(verifyConsistency(6, 8, fake, root, consProof)).toBe(false);
  });

  it("random garbage in every argument never throws and never verifies", () => {
    // (Equal sizes with equal roots and an empty proof do verify: fast-check
    // can draw two identical 32-byte arrays, so that one case only checks the answer is a boolean.)
    const hashLike = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }), fc.anything());
    const proofLike = fc.oneof(fc.array(hashLike, { maxLength: 10 }), fc.anything());
    const count = fc.oneof(fc.integer({ min: -4, max: 100 }), fc.double(), fc.anything());
    fc.assert(
      fc.property(hashLike, count, count, proofLike, hashLike, (l, i, n, p, r) => {
        expect(verifyInclusion(l as Uint8Array, i as number, n as number, p as Uint8Array[], r as Uint8Array)).toBe(false);
        const consistent = verifyConsistency(i as number, n as number, l as Uint8Array, r as Uint8Array, p as Uint8Array[]);
        if (i === n) expect(typeof consistent).toBe("boolean");
        else expect(consistent).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
