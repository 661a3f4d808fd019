// A small ZIP reader for bulk enrollment: the central directory, then each entry stored or deflated
// (the browser's own DecompressionStream inflates). No library: this is all a folder of photos needs.

export interface ZipEntry { path: string; read(): Promise<Blob> }

/** code: the API's word for the same refusal where there is one (IMAGE_TOO_LARGE), else ERROR */
export class ZipError extends Error {
  constructor(message: string, readonly code = 'ERROR') { super(message); }
}

/**
 * The most bytes one entry may inflate to: the hub's default largest photo (FRHUB_MAX_IMAGE_BYTES).
 * A few kilobytes of deflate can expand to gigabytes; past this the inflating stops.
 */
export const MAX_ENTRY_BYTES = 20 * 1024 * 1024;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const tooLarge = (path: string, max: number) =>
  new ZipError(`${path} is larger than ${mb(max)} once unpacked, more than the hub takes for one photo: resize or recompress it.`, 'IMAGE_TOO_LARGE');

/** The stream's bytes as a Blob, stopped (and the rest never inflated) past max bytes. */
async function bounded(stream: ReadableStream<Uint8Array<ArrayBuffer>>, max: number, path: string): Promise<Blob> {
  const reader = stream.getReader();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(parts);
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(path, max);
    }
    parts.push(value);
  }
}

const EOCD = 0x06054b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

export async function readZip(file: Blob, maxEntryBytes = MAX_ENTRY_BYTES): Promise<ZipEntry[]> {
  const tailStart = Math.max(0, file.size - 65_557);
  const tail = new DataView(await file.slice(tailStart).arrayBuffer());
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) if (tail.getUint32(i, true) === EOCD) { eocd = i; break; }
  if (eocd < 0) throw new ZipError('This is not a ZIP file (no central directory found).');
  const count = tail.getUint16(eocd + 10, true);
  const size = tail.getUint32(eocd + 12, true);
  const offset = tail.getUint32(eocd + 16, true);
  if (offset === 0xffffffff || count === 0xffff) throw new ZipError('ZIP64 archives are not read here: split the photos into smaller ZIP files, or choose the folder.');
  const dir = new DataView(await file.slice(offset, offset + size).arrayBuffer());
  const names = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let p = 0, n = 0; n < count; n++) {
    if (dir.getUint32(p, true) !== CENTRAL) throw new ZipError('The ZIP file’s directory is damaged.');
    const flags = dir.getUint16(p + 8, true);
    const method = dir.getUint16(p + 10, true);
    const compressed = dir.getUint32(p + 20, true);
    const declared = dir.getUint32(p + 24, true);
    const nameLen = dir.getUint16(p + 28, true), extraLen = dir.getUint16(p + 30, true), commentLen = dir.getUint16(p + 32, true);
    const local = dir.getUint32(p + 42, true);
    const path = names.decode(new Uint8Array(dir.buffer, dir.byteOffset + p + 46, nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (path.endsWith('/')) continue;
    entries.push({
      path,
      async read() {
        if (flags & 1) throw new ZipError('The entry is encrypted.');
        if (method !== 0 && method !== 8) throw new ZipError(`The entry uses compression method ${method}; only stored and deflated entries are read.`);
        // the size the directory declares is refused early; a smaller one may be a lie, so inflating is bounded too
        if (declared > maxEntryBytes || (method === 0 && compressed > maxEntryBytes)) throw tooLarge(path, maxEntryBytes);
        const head = new DataView(await file.slice(local, local + 30).arrayBuffer());
        if (head.getUint32(0, true) !== LOCAL) throw new ZipError('The entry’s header is damaged.');
        const start = local + 30 + head.getUint16(26, true) + head.getUint16(28, true);
        const data = file.slice(start, start + compressed);
        if (method === 0) return data;
        return bounded(data.stream().pipeThrough(new DecompressionStream('deflate-raw')), maxEntryBytes, path);
      },
    });
  }
  return entries;
}
