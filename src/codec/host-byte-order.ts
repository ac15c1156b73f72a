/**
 * Whether this host stores the low byte of a multi-byte number first. Image
 * formats are little-endian: on such hosts typed-array memory can be copied
 * or addressed as it is, elsewhere it is swapped byte by byte.
 *
 * @internal
 */
export const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
