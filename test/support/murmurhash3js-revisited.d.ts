// Types for the reference implementation used as a test oracle.
declare module "murmurhash3js-revisited" {
  interface MurmurHash3 {
    x86: {
      hash32(bytes: Uint8Array, seed?: number): number;
      hash128(bytes: Uint8Array, seed?: number): string;
    };
    x64: {
      hash128(bytes: Uint8Array, seed?: number): string;
    };
  }
  const murmur3: MurmurHash3;
  export default murmur3;
}
