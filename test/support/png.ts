// A small PNG reader for tests (PNG spec, W3C 2003, §§ 5, 9, 11): checks the
// signature, reads IHDR, inflates the IDAT stream with node:zlib and undoes
// the per-scanline filters. Non-interlaced, 8-bit grey, grey+alpha, RGB and
// RGBA only — what pdftoppm writes.
import { inflateSync } from "node:zlib";

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** Samples per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  readonly channels: number;
  /** width × height × channels samples, row by row. */
  readonly pixels: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(bytes: Uint8Array): DecodedPng {
  if (!SIGNATURE.every((byte, i) => bytes[i] === byte)) throw new Error("not a PNG: bad signature");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (data.length !== length) throw new Error(`PNG chunk ${type} truncated`);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const depth = data[8] as number;
      const colorType = data[9] as number;
      const interlace = data[12] as number;
      if (depth !== 8 || CHANNELS[colorType] === undefined || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${interlace}`);
      channels = CHANNELS[colorType] as number;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    offset += 12 + length; // length, type, data, CRC
  }
  if (width === 0 || height === 0) throw new Error("PNG without IHDR or with an empty image");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (pixels[out + x - channels] as number) : 0; // left
      const b = y > 0 ? (pixels[out - stride + x] as number) : 0; // up
      const c = x >= channels && y > 0 ? (pixels[out - stride + x - channels] as number) : 0; // up-left
      let predictor: number;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) >> 1; break;
        case 4: {
          // Paeth (PNG spec §9.4): the neighbour nearest to a + b - c, ties to a, then b.
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      pixels[out + x] = ((line[x] as number) + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Share of pixels whose colour is not (near) white: any colour sample below 240 (alpha ignored). */
export function inkFraction(png: DecodedPng): number {
  const colours = png.channels >= 3 ? 3 : 1;
  let ink = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    for (let c = 0; c < colours; c++) {
      if ((png.pixels[i * png.channels + c] as number) < 240) {
        ink++;
        break;
      }
    }
  }
  return ink / (png.width * png.height);
}
