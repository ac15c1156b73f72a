/**
 * A binary trie of network prefixes of one IP version, in typed arrays: the
 * lookup structure behind `AllowList`.
 *
 * Node 0 is the root (the empty prefix); `child[2n + bit]` is the node one
 * bit deeper, 0 when absent; `terminal[n]` marks a stored prefix. A lookup
 * walks the address bits from the most significant and stops at the first
 * terminal node (inside) or missing child (outside): at most 32 or 128
 * steps, and in practice only as deep as the stored prefixes share the
 * address's leading bits. Removal prunes the nodes it leaves unused and
 * reuses them. Nothing is allocated on lookup.
 *
 * (bench/allow-list.mjs compared it with an open-addressing table probed
 * once per prefix length present: on 10,000 random entries with 25 IPv4
 * and 113 IPv6 prefix lengths the trie was several times faster; figures in
 * the commit that chose it.)
 *
 * @internal
 * @module
 */

/** @internal */
export class PrefixTrie {
  /** 1 word for IPv4, 4 for IPv6. */
  readonly words: number;
  private child: Int32Array;
  private terminal: Uint8Array;
  /** Nodes in use or on the free list, plus the root. */
  private allocated = 1;
  /** Head of the free list (linked through `child[2n]`), 0 when empty. */
  private free = 0;
  private entries = 0;
  private readonly path: Int32Array;

  constructor(words: 1 | 4) {
    this.words = words;
    this.child = new Int32Array(2 * 64);
    this.terminal = new Uint8Array(64);
    this.path = new Int32Array(32 * words + 1);
  }

  get size(): number {
    return this.entries;
  }

  /** Whether the address (in `words`) lies in a stored prefix. */
  contains(words: Uint32Array): boolean {
    const child = this.child;
    const terminal = this.terminal;
    if (terminal[0] === 1) return true;
    let node = 0;
    for (let w = 0; w < this.words; w++) {
      const word = words[w]!;
      for (let shift = 31; shift >= 0; shift--) {
        node = child[2 * node + ((word >>> shift) & 1)]!;
        if (node === 0) return false;
        if (terminal[node] === 1) return true;
      }
    }
    return false;
  }

  /** Adds a masked prefix; false when it was already there. */
  add(prefix: number, words: Uint32Array): boolean {
    let node = 0;
    for (let i = 0; i < prefix; i++) {
      const slot = 2 * node + bitAt(words, i);
      let next = this.child[slot]!;
      if (next === 0) {
        next = this.newNode();
        this.child[slot] = next; // after newNode, which may replace this.child
      }
      node = next;
    }
    if (this.terminal[node] === 1) return false;
    this.terminal[node] = 1;
    this.entries++;
    return true;
  }

  /** Removes a masked prefix; false when it was not there. */
  remove(prefix: number, words: Uint32Array): boolean {
    const child = this.child;
    const path = this.path;
    let node = 0;
    path[0] = 0;
    for (let i = 0; i < prefix; i++) {
      node = child[2 * node + bitAt(words, i)]!;
      if (node === 0) return false;
      path[i + 1] = node;
    }
    if (this.terminal[node] !== 1) return false;
    this.terminal[node] = 0;
    this.entries--;
    // Prune the nodes that no longer lead to a stored prefix.
    for (let depth = prefix; depth > 0; depth--) {
      const n = path[depth]!;
      if (this.terminal[n] === 1 || child[2 * n] !== 0 || child[2 * n + 1] !== 0) break;
      child[2 * path[depth - 1]! + bitAt(words, depth - 1)] = 0;
      child[2 * n] = this.free;
      this.free = n;
    }
    return true;
  }

  /**
   * Calls `visit(prefix, words)` for every stored prefix in ascending order
   * of (address, prefix length): a pre-order walk, 0-branch first. `words`
   * is a scratch array, valid during the call only.
   */
  forEach(visit: (prefix: number, words: Uint32Array) => void): void {
    const words = new Uint32Array(4);
    const walk = (node: number, depth: number): void => {
      if (this.terminal[node] === 1) visit(depth, words);
      for (let bit = 0; bit < 2; bit++) {
        const next = this.child[2 * node + bit]!;
        if (next === 0) continue;
        const w = depth >> 5;
        const mask = 1 << (31 - (depth & 31));
        words[w] = bit === 1 ? (words[w]! | mask) >>> 0 : (words[w]! & ~mask) >>> 0;
        walk(next, depth + 1);
      }
      // Leave the bits below this depth cleared for the caller's sibling.
      if (depth < 32 * this.words) {
        const w = depth >> 5;
        words[w] = (words[w]! & ~(1 << (31 - (depth & 31)))) >>> 0;
      }
    };
    walk(0, 0);
  }

  clear(): void {
    this.child = new Int32Array(2 * 64);
    this.terminal = new Uint8Array(64);
    this.allocated = 1;
    this.free = 0;
    this.entries = 0;
  }

  private newNode(): number {
    let node = this.free;
    if (node !== 0) {
      this.free = this.child[2 * node]!;
      this.child[2 * node] = 0;
      return node;
    }
    if (this.allocated === this.terminal.length) {
      const child = new Int32Array(this.child.length * 2);
      child.set(this.child);
      this.child = child;
      const terminal = new Uint8Array(this.terminal.length * 2);
      terminal.set(this.terminal);
      this.terminal = terminal;
    }
    node = this.allocated++;
    return node;
  }
}

/** Bit `i` (0 = most significant) of the address in `words`. */
function bitAt(words: Uint32Array, i: number): number {
  return (words[i >> 5]! >>> (31 - (i & 31))) & 1;
}
