import { canonicalName, type DnsRecordType } from './dns-provider.ts';

/**
 * DNS messages on the wire (RFC 1035 §4), as far as the RFC 2136 provider needs them: queries and
 * UPDATE messages out (no name compression), answers in (compression pointers followed). Record
 * data of the types Lanyard writes is decoded to the provider-neutral value form and back; the
 * names inside it are stored uncompressed, so a record read can be sent back byte for byte as an
 * UPDATE prerequisite.
 */
export const rrType = { SOA: 6, CNAME: 5, MX: 15, TXT: 16, SRV: 33, TSIG: 250, ANY: 255 } as const;
export const rrClass = { IN: 1, NONE: 254, ANY: 255 } as const;
export const opcode = { QUERY: 0, UPDATE: 5 } as const;
export const rcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'] as const;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** A resource record; in UPDATE messages the sections carry zone, prerequisites and updates (RFC 2136 §2). */
export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** RDATA, names uncompressed. */
  readonly data: Buffer;
}

export interface DnsMessage {
  readonly id: number;
  readonly opcode: number;
  readonly response: boolean;
  readonly authoritative: boolean;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

export interface DecodedMessage extends DnsMessage {
  /** Where the last additional record starts: TSIG verification covers the bytes before it. */
  readonly lastAdditionalOffset: number | undefined;
}

/** A domain name in wire form, uncompressed; `lowercase` gives TSIG's canonical form (RFC 8945 §4.3.3). */
export function encodeName(name: string, lowercase = false): Buffer {
  const text = name.trim().replace(/\.+$/, '');
  const labels = text === '' ? [] : (lowercase ? canonicalName(text) : text).split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length < 1 || bytes.length > 63) throw new RangeError(`DNS label "${label}" must be 1 to 63 characters`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new RangeError(`DNS name ${name} is longer than 255 bytes`);
  return wire;
}

export function encodeMessage(message: Omit<DnsMessage, 'response' | 'authoritative' | 'rcode'>): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(message.id, 0);
  header.writeUInt16BE((message.opcode & 0xf) << 11, 2);
  header.writeUInt16BE(message.questions.length, 4);
  header.writeUInt16BE(message.answers.length, 6);
  header.writeUInt16BE(message.authorities.length, 8);
  header.writeUInt16BE(message.additionals.length, 10);
  const questions = message.questions.map((question) => Buffer.concat([encodeName(question.name), u16(question.type), u16(question.class)]));
  const records = [...message.answers, ...message.authorities, ...message.additionals].map(encodeRecord);
  return Buffer.concat([header, ...questions, ...records]);
}

export function encodeRecord(record: DnsRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(record.type, 0);
  fixed.writeUInt16BE(record.class, 2);
  fixed.writeUInt32BE(record.ttl, 4);
  fixed.writeUInt16BE(record.data.length, 8);
  return Buffer.concat([encodeName(record.name), fixed, record.data]);
}

/** Decodes a whole message; throws RangeError on anything truncated or malformed. */
export function decodeMessage(wire: Buffer): DecodedMessage {
  if (wire.length < 12) throw new RangeError('DNS message shorter than its header');
  const flags = wire.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((at) => wire.readUInt16BE(at)) as [number, number, number, number];
  let offset = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const [name, next] = readName(wire, offset);
    questions.push({ name, type: wire.readUInt16BE(next), class: wire.readUInt16BE(next + 2) });
    offset = next + 4;
  }
  let lastAdditionalOffset: number | undefined;
  const section = (count: number, isAdditional = false) => {
    const records: DnsRecord[] = [];
    for (let i = 0; i < count; i++) {
      if (isAdditional) lastAdditionalOffset = offset;
      const [name, next] = readName(wire, offset);
      const type = wire.readUInt16BE(next);
      const length = wire.readUInt16BE(next + 8);
      const start = next + 10;
      if (start + length > wire.length) throw new RangeError('DNS record data runs past the message');
      records.push({ name, type, class: wire.readUInt16BE(next + 2), ttl: wire.readUInt32BE(next + 4), data: uncompressedData(wire, type, start, length) });
      offset = start + length;
    }
    return records;
  };
  const answers = section(counts[1]);
  const authorities = section(counts[2]);
  const additionals = section(counts[3], true);
  return { id: wire.readUInt16BE(0), opcode: (flags >> 11) & 0xf, response: (flags & 0x8000) !== 0, authoritative: (flags & 0x0400) !== 0, rcode: flags & 0xf, questions, answers, authorities, additionals, lastAdditionalOffset };
}

/**
 * A name at `offset`, following compression pointers. Each pointer must point backwards and the
 * name may not grow past 255 bytes: together these end every loop a hostile answer could build.
 */
export function readName(wire: Buffer, offset: number): [name: string, next: number] {
  const labels: string[] = [];
  let at = offset;
  let next: number | undefined;
  let length = 1;
  for (;;) {
    if (at >= wire.length) throw new RangeError('DNS name runs past the message');
    const label = wire[at]!;
    if (label === 0) break;
    if ((label & 0xc0) === 0xc0) {
      const target = ((label & 0x3f) << 8) | wire[at + 1]!;
      if (target >= at) throw new RangeError('DNS name compression pointer does not point backwards');
      next ??= at + 2;
      at = target;
      continue;
    }
    if (label > 63) throw new RangeError('DNS label longer than 63 bytes');
    length += 1 + label;
    if (length > 255) throw new RangeError('DNS name longer than 255 bytes');
    labels.push(wire.toString('latin1', at + 1, at + 1 + label));
    at += 1 + label;
  }
  return [labels.join('.'), next ?? at + 1];
}

/** RDATA with any names in it (CNAME, MX, SRV, SOA; RFC 3597 §4) written out in full. */
function uncompressedData(wire: Buffer, type: number, start: number, length: number): Buffer {
  const raw = wire.subarray(start, start + length);
  if (length === 0) return Buffer.alloc(0); // RFC 2136 prerequisites and deletions carry no data
  const nameAt = (offset: number) => readName(wire, offset);
  switch (type) {
    case rrType.CNAME:
      return encodeName(nameAt(start)[0]);
    case rrType.MX:
      return Buffer.concat([raw.subarray(0, 2), encodeName(nameAt(start + 2)[0])]);
    case rrType.SRV:
      return Buffer.concat([raw.subarray(0, 6), encodeName(nameAt(start + 6)[0])]);
    case rrType.SOA: {
      const [mname, afterM] = nameAt(start);
      const [rname, afterR] = nameAt(afterM);
      return Buffer.concat([encodeName(mname), encodeName(rname), wire.subarray(afterR, afterR + 20)]);
    }
    default:
      return Buffer.from(raw);
  }
}

/** Lanyard's value form → RDATA: TXT split into 255-byte strings; MX/SRV numbers then host. */
export function valueToData(type: DnsRecordType, value: string): Buffer {
  if (type === 'TXT') {
    const bytes = Buffer.from(value, 'utf8');
    const strings: Buffer[] = [];
    for (let at = 0; at < bytes.length || strings.length === 0; at += 255) {
      const chunk = bytes.subarray(at, at + 255);
      strings.push(Buffer.from([chunk.length]), chunk);
    }
    return Buffer.concat(strings);
  }
  const parts = value.trim().split(/\s+/);
  const host = encodeName(parts.pop() ?? '');
  const numbers = parts.map((part) => u16(Number(part)));
  const expected = { CNAME: 0, MX: 1, SRV: 3 }[type];
  if (numbers.length !== expected || parts.some((part) => !/^\d{1,5}$/.test(part) || Number(part) > 65535)) throw new RangeError(`${type} value "${value}" is not in the form ${type === 'MX' ? 'priority host' : type === 'SRV' ? 'priority weight port target' : 'host'}`);
  return Buffer.concat([...numbers, host]);
}

/** RDATA → Lanyard's value form (the inverse of valueToData; TXT strings joined). */
export function dataToValue(type: number, data: Buffer): string {
  if (type === rrType.TXT) {
    const strings: string[] = [];
    for (let at = 0; at < data.length; at += 1 + data[at]!) strings.push(data.toString('utf8', at + 1, at + 1 + data[at]!));
    return strings.join('');
  }
  const numbers = type === rrType.MX ? 1 : type === rrType.SRV ? 3 : 0;
  const values = Array.from({ length: numbers }, (_, i) => String(data.readUInt16BE(i * 2)));
  return [...values, readName(data, numbers * 2)[0]].join(' ');
}

export function typeName(type: number): string {
  return Object.entries(rrType).find(([, code]) => code === type)?.[0] ?? `TYPE${type}`;
}

export function rcodeName(rcode: number): string {
  return rcodeNames[rcode] ?? `RCODE${rcode}`;
}

export function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}
