/**
 * Reads an image's pixel size from the first bytes of its base64 data, decoding only the
 * few bytes each header needs (a JPEG is walked segment by segment without decoding what
 * lies between). Returns undefined for formats or files it cannot read.
 */
export function imageSizeFromBase64(data: string): { width: number; height: number } | undefined {
  const head = bytesAt(data, 0, 30);
  if (head.length < 24) return undefined;
  // PNG: signature, then the IHDR chunk with big-endian width and height.
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  // GIF87a / GIF89a: little-endian 16-bit logical screen size.
  if (head[0] === 0x47 && head[1] === 0x49 && head[2] === 0x46) {
    return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  }
  // WebP: RIFF container with a VP8, VP8L or VP8X chunk first.
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP' && head.length >= 30) {
    const chunk = head.toString('latin1', 12, 16);
    if (chunk === 'VP8X') return { width: 1 + head.readUIntLE(24, 3), height: 1 + head.readUIntLE(27, 3) };
    if (chunk === 'VP8L') {
      const bits = head.readUInt32LE(21);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
    }
    if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
    return undefined;
  }
  if (head[0] === 0xff && head[1] === 0xd8) return jpegSize(data);
  return undefined;
}

/** Most segments a JPEG walk reads before giving up (EXIF, ICC and tables come first). */
const maximumJpegSegments = 32;

function jpegSize(data: string): { width: number; height: number } | undefined {
  let offset = 2;
  for (let segment = 0; segment < maximumJpegSegments; segment++) {
    const header = bytesAt(data, offset, 9);
    if (header.length < 4 || header[0] !== 0xff) return undefined;
    const marker = header[1]!;
    // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (header.length < 9) return undefined;
      return { width: header.readUInt16BE(7), height: header.readUInt16BE(5) };
    }
    offset += 2 + header.readUInt16BE(2);
  }
  return undefined;
}

/** Decodes bytes [offset, offset + length) of base64 data without decoding the rest. */
function bytesAt(data: string, offset: number, length: number): Buffer {
  const firstGroup = Math.floor(offset / 3);
  const lastGroup = Math.ceil((offset + length) / 3);
  const bytes = Buffer.from(data.slice(firstGroup * 4, lastGroup * 4), 'base64');
  const skip = offset - firstGroup * 3;
  return bytes.subarray(skip, skip + length);
}
