import { GraphQLUpload } from 'graphql-upload-minimal';
import { DomainError } from '../tenants/shared/errors.js';

export { GraphQLUpload };

export interface FileUpload {
  filename: string;
  mimetype: string;
  createReadStream(): NodeJS.ReadableStream;
}

/** The probe or enrollment photo: a multipart `image` Upload, or `imageBase64` for clients without multipart. */
export async function imageBytes(upload: Promise<FileUpload> | FileUpload | null | undefined, base64: string | null | undefined, maxBytes: number): Promise<Buffer> {
  if (upload && base64) throw new DomainError('BAD_USER_INPUT', 'Send the photo once: either `image` (multipart upload) or `imageBase64`, not both.');
  if (base64) {
    if (base64.length > Math.ceil((maxBytes * 4) / 3) + 4) throw imageTooLarge(maxBytes);
    const clean = base64.replace(/^data:[^;]+;base64,/, '');
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(clean)) throw new DomainError('BAD_USER_INPUT', '`imageBase64` is not base64 text.');
    return Buffer.from(clean, 'base64');
  }
  if (!upload) throw new DomainError('BAD_USER_INPUT', 'A photo is required: send `image` (multipart upload) or `imageBase64`.');
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    const stream = (await upload).createReadStream() as NodeJS.ReadableStream & AsyncIterable<Buffer> & { truncated?: boolean };
    // the multipart parser stops a file at its size limit and only flags it: an unchecked stream reads as a whole, shorter photo
    stream.once('limit', () => (truncated = true));
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > maxBytes) throw imageTooLarge(maxBytes);
      chunks.push(chunk);
    }
    if (truncated || stream.truncated) throw imageTooLarge(maxBytes);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    // graphql-upload-minimal's refusals carry an HTTP status: 413 for a file over its limit
    if ((e as { status?: unknown }).status === 413 || /size limit|truncated/i.test(String((e as Error).message))) throw imageTooLarge(maxBytes);
    throw new DomainError('BAD_USER_INPUT', 'The uploaded photo could not be read completely (the upload was cut short or is missing); send it again.');
  }
  return Buffer.concat(chunks);
}

const imageTooLarge = (maxBytes: number) => new DomainError('IMAGE_TOO_LARGE', `The photo is larger than ${(maxBytes / 1024 / 1024).toFixed(0)} MB; resize it and try again.`);
