// The few protobuf features libsignal's wire messages use: varint (uint32) and bytes fields.
import { concat, ProtocolError } from './bytes.ts';

export type Field = { n: number; v: number } | { n: number; b: Uint8Array };

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return new Uint8Array(out);
}

/** Encodes fields in the order given (libsignal's encoders write them in field-number order). */
export function encode(fields: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    if ('v' in f) {
      parts.push(varint(f.n << 3), varint(f.v));
    } else {
      parts.push(varint((f.n << 3) | 2), varint(f.b.length), f.b);
    }
  }
  return concat(...parts);
}

export interface Decoded {
  uint(n: number): number | undefined;
  bytes(n: number): Uint8Array | undefined;
}

const bad = (what: string) => new ProtocolError('invalid-message', `malformed protobuf: ${what}`);

/** Decodes a message; unknown fields are skipped, the last occurrence of a field wins. */
export function decode(buf: Uint8Array): Decoded {
  const ints = new Map<number, number>();
  const blobs = new Map<number, Uint8Array>();
  let at = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= buf.length) {
        throw bad('truncated varint');
      }
      const byte = buf[at++]!;
      result += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) {
          throw bad('varint too large');
        }
        return result;
      }
      mul *= 0x80;
    }
    throw bad('varint too long');
  };
  while (at < buf.length) {
    const key = readVarint();
    const n = Math.floor(key / 8);
    const wire = key % 8;
    if (n === 0) {
      throw bad('field 0');
    }
    switch (wire) {
      case 0:
        ints.set(n, readVarint());
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const len = readVarint();
        if (at + len > buf.length) {
          throw bad('truncated bytes');
        }
        blobs.set(n, buf.slice(at, at + len));
        at += len;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw bad(`wire type ${wire}`);
    }
    if (at > buf.length) {
      throw bad('truncated');
    }
  }
  return { uint: (n) => ints.get(n), bytes: (n) => blobs.get(n) };
}
