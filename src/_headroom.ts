// Buffers with room reserved before their content for a message header.
/** Bytes reserved: a tag and a varint of up to 5 bytes. */
export const HEADROOM = 8;
const reserved = new WeakSet<ArrayBufferLike>();

/** A view of `size` bytes preceded, in its buffer, by HEADROOM free bytes. */
export function reserveHeadroom(size: number): Uint8Array {
  const buffer = new ArrayBuffer(HEADROOM + size);
  reserved.add(buffer);
  return new Uint8Array(buffer, HEADROOM, size);
}

/** Whether `chunk` starts after headroom nobody else uses. */
export function hasHeadroom(chunk: Uint8Array, bytes: number): boolean {
  return chunk.byteOffset === HEADROOM && bytes <= HEADROOM &&
    reserved.has(chunk.buffer);
}
