import { LanyardError } from '../errors.ts';

/** The largest logo accepted: a sign-in page's logo is small, and it is read on every page view. */
export const maxLogoBytes = 100 * 1024;
/** Sane sizes in pixels for either side: a header logo, not a photograph or a 1-pixel tracker. */
export const minLogoSide = 16;
export const maxLogoSide = 2048;

export interface CheckedLogo {
  readonly contentType: 'image/png' | 'image/jpeg';
  readonly extension: 'png' | 'jpg';
  readonly width: number;
  readonly height: number;
  readonly bytes: Buffer;
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Accepts a PNG or a JPEG by its bytes alone (never by the file name or the type the browser
 * claims), with its size and dimensions in bounds; anything else is LOGO_INVALID. SVG and every
 * other format are refused on purpose: an SVG is a document that can carry script, and whatever
 * is served back as a logo must only ever be an image.
 *
 * @example
 *   const logo = checkLogoImage(await file.bytes()); // → { contentType: 'image/png', width: 120, height: 40, ... }
 */
export function checkLogoImage(bytes: Buffer): CheckedLogo {
  if (bytes.length > maxLogoBytes) throw new LanyardError('LOGO_TOO_LARGE', `the logo is ${Math.ceil(bytes.length / 1024)} KiB; at most ${maxLogoBytes / 1024} KiB is accepted`);
  const image = pngDimensions(bytes) ?? jpegDimensions(bytes);
  if (!image) throw new LanyardError('LOGO_INVALID', 'the logo must be a PNG or JPEG image (SVG and other formats are not accepted)');
  const { width, height } = image;
  if ([width, height].some((side) => side < minLogoSide || side > maxLogoSide)) {
    throw new LanyardError('LOGO_INVALID', `the logo is ${width}×${height} px; each side must be between ${minLogoSide} and ${maxLogoSide} px`);
  }
  return { ...image, bytes };
}

/** A PNG's IHDR (always the first chunk, 13 bytes): width and height as big-endian 32-bit numbers. */
function pngDimensions(bytes: Buffer): Omit<CheckedLogo, 'bytes'> | undefined {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(pngSignature)) return undefined;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  if (bytes.toString('latin1', bytes.length - 8, bytes.length - 4) !== 'IEND') return undefined;
  return { contentType: 'image/png', extension: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * A JPEG's frame size, from its first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC),
 * walking the marker segments from SOI; undefined if the segments do not lead to one.
 */
function jpegDimensions(bytes: Buffer): Omit<CheckedLogo, 'bytes'> | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return undefined;
  if (bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) return undefined;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 9 > bytes.length) return undefined;
      return { contentType: 'image/jpeg', extension: 'jpg', height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or the end before any frame
    offset += 2 + length;
  }
  return undefined;
}
