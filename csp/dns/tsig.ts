import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeMessage, encodeName, encodeRecord, readName, rrClass, rrType, u16, type DecodedMessage } from './dns-message.ts';

/** A TSIG key shared with the DNS server (RFC 8945): the name and algorithm must match the server's. */
export interface TsigKey {
  readonly name: string;
  readonly algorithm: 'hmac-sha256' | 'hmac-sha512';
  readonly secret: Buffer;
}

/** TSIG's own error codes (RFC 8945 §3), carried in the TSIG record rather than the header. */
export const tsigErrorNames: Readonly<Record<number, string>> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

/** Seconds of clock difference either side that the signature allows (the RFC's recommended 300). */
const fudgeSeconds = 300;

export interface SignedRequest {
  readonly wire: Buffer;
  readonly id: number;
  /** The request's MAC, which the answer's MAC covers (RFC 8945 §5.3). */
  readonly mac: Buffer;
}

/** The TSIG record's RDATA fields after the algorithm name. */
interface TsigFields {
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly other: Buffer;
}

/** Appends a TSIG record to an encoded, unsigned message (RFC 8945 §4.2). */
export function signRequest(unsigned: Buffer, key: TsigKey, now: Date): SignedRequest {
  const id = unsigned.readUInt16BE(0);
  const fields: TsigFields = { algorithm: key.algorithm, timeSigned: Math.floor(now.getTime() / 1000), fudge: fudgeSeconds, mac: Buffer.alloc(0), originalId: id, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, [unsigned, variables(key, fields)]);
  const record = encodeRecord({ name: key.name, type: rrType.TSIG, class: rrClass.ANY, ttl: 0, data: tsigData({ ...fields, mac }) });
  const wire = Buffer.concat([unsigned, record]);
  wire.writeUInt16BE(wire.readUInt16BE(10) + 1, 10);
  return { wire, id, mac };
}

export type TsigCheck =
  | { readonly ok: true; readonly message: DecodedMessage }
  | { readonly ok: false; readonly message: DecodedMessage; readonly problem: string; readonly tsigError?: string };

/**
 * Checks the answer's TSIG against the request's: present and last, same key and algorithm, the
 * MAC over the request MAC, the answer and the TSIG variables, and the time within the fudge.
 * A TSIG error the server reports (BADSIG, BADKEY, BADTIME) comes back as `tsigError`.
 */
export function verifyResponse(wire: Buffer, request: SignedRequest, key: TsigKey, now: Date): TsigCheck {
  const message = decodeMessage(wire);
  const last = message.additionals.at(-1);
  if (!last || last.type !== rrType.TSIG || message.lastAdditionalOffset === undefined) return { ok: false, message, problem: 'the answer is not signed' };
  const fields = parseTsig(last.data);
  if (fields.error !== 0) return { ok: false, message, problem: `the server reports ${tsigErrorNames[fields.error] ?? `TSIG error ${fields.error}`}`, tsigError: tsigErrorNames[fields.error] ?? String(fields.error) };
  if (encodeName(last.name, true).compare(encodeName(key.name, true)) !== 0 || encodeName(fields.algorithm, true).compare(encodeName(key.algorithm, true)) !== 0) {
    return { ok: false, message, problem: `the answer is signed with ${last.name} (${fields.algorithm}), not ${key.name} (${key.algorithm})` };
  }
  const covered = Buffer.from(wire.subarray(0, message.lastAdditionalOffset));
  covered.writeUInt16BE(fields.originalId, 0);
  covered.writeUInt16BE(message.additionals.length - 1, 10);
  const expected = hmac(key, [u16(request.mac.length), request.mac, covered, variables(key, fields)]);
  if (fields.mac.length !== expected.length || !timingSafeEqual(fields.mac, expected)) return { ok: false, message, problem: "the answer's signature does not match the key" };
  if (Math.abs(Math.floor(now.getTime() / 1000) - fields.timeSigned) > fields.fudge) return { ok: false, message, problem: 'the answer was signed outside the allowed time window' };
  return { ok: true, message };
}

function hmac(key: TsigKey, parts: readonly Buffer[]): Buffer {
  const mac = createHmac(key.algorithm === 'hmac-sha256' ? 'sha256' : 'sha512', key.secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** The TSIG variables the MAC covers after the message (RFC 8945 §4.3.3), names in canonical form. */
function variables(key: TsigKey, fields: TsigFields): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(rrClass.ANY, 0);
  fixed.writeUInt32BE(0, 2);
  return Buffer.concat([encodeName(key.name, true), fixed, encodeName(fields.algorithm, true), time48(fields.timeSigned), u16(fields.fudge), u16(fields.error), u16(fields.other.length), fields.other]);
}

function tsigData(fields: TsigFields): Buffer {
  return Buffer.concat([encodeName(fields.algorithm, true), time48(fields.timeSigned), u16(fields.fudge), u16(fields.mac.length), fields.mac, u16(fields.originalId), u16(fields.error), u16(fields.other.length), fields.other]);
}

function parseTsig(data: Buffer): TsigFields {
  const [algorithm, at] = readName(data, 0);
  const timeSigned = data.readUInt16BE(at) * 2 ** 32 + data.readUInt32BE(at + 2);
  const macLength = data.readUInt16BE(at + 8);
  const afterMac = at + 10 + macLength;
  const otherLength = data.readUInt16BE(afterMac + 4);
  return {
    algorithm,
    timeSigned,
    fudge: data.readUInt16BE(at + 6),
    mac: data.subarray(at + 10, afterMac),
    originalId: data.readUInt16BE(afterMac),
    error: data.readUInt16BE(afterMac + 2),
    other: data.subarray(afterMac + 6, afterMac + 6 + otherLength),
  };
}

function time48(seconds: number): Buffer {
  const buffer = Buffer.alloc(6);
  buffer.writeUInt16BE(Math.floor(seconds / 2 ** 32), 0);
  buffer.writeUInt32BE(seconds % 2 ** 32, 2);
  return buffer;
}
