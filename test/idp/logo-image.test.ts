import { describe, expect, it } from 'vitest';
import { checkLogoImage, maxLogoBytes } from '../../core/branding/logo-image.ts';
import { isLanyardError } from '../../core/errors.ts';
import { hostileLogos, jpegHeaderOnly, pngLogo } from '../fixtures/logo-images.ts';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return isLanyardError(error) ? error.code : String(error);
  }
};

describe('checkLogoImage', () => {
  it('accepts a PNG and a JPEG by their bytes, with their dimensions', () => {
    expect(checkLogoImage(pngLogo(120, 40))).toMatchObject({ contentType: 'image/png', extension: 'png', width: 120, height: 40 });
    expect(checkLogoImage(jpegHeaderOnly(300, 90))).toMatchObject({ contentType: 'image/jpeg', extension: 'jpg', width: 300, height: 90 });
  });

  it('refuses SVG, HTML, GIF, a PNG signature followed by HTML, and an empty file', () => {
    for (const bytes of Object.values(hostileLogos)) expect(codeOf(() => checkLogoImage(bytes))).toBe('LOGO_INVALID');
    expect(codeOf(() => checkLogoImage(Buffer.alloc(0)))).toBe('LOGO_INVALID');
  });

  it('refuses a truncated PNG and a JPEG without its end marker', () => {
    expect(codeOf(() => checkLogoImage(pngLogo().subarray(0, 60)))).toBe('LOGO_INVALID');
    expect(codeOf(() => checkLogoImage(jpegHeaderOnly(100, 40).subarray(0, -2)))).toBe('LOGO_INVALID');
  });

  it('refuses tiny, huge and oversized images', () => {
    expect(codeOf(() => checkLogoImage(pngLogo(8, 8)))).toBe('LOGO_INVALID');
    expect(codeOf(() => checkLogoImage(jpegHeaderOnly(5000, 40)))).toBe('LOGO_INVALID');
    const padded = Buffer.concat([pngLogo(), Buffer.alloc(maxLogoBytes)]);
    expect(codeOf(() => checkLogoImage(padded))).toBe('LOGO_TOO_LARGE');
  });
});
