import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, readName } from '../../csp/dns/dns-message.ts';
import type { DnsRecordSet } from '../../csp/dns/dns-provider.ts';
import { exchangeTcp } from '../../csp/dns/dns-tcp.ts';
import { rfc2136Provider, type Rfc2136Options } from '../../csp/dns/rfc2136.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { LanyardError } from '../../core/errors.ts';

/**
 * Threat: something between Lanyard and the DNS server (or a spoofed TCP peer) swallows the signed
 * UPDATE and answers NOERROR itself, or alters the server's answer, so Lanyard records the domain's
 * records as written (and goes on to verify and federate) while the zone never got them.
 * Invariant: an UPDATE counts as done only when the answer carries the server's TSIG over the
 * request's MAC and the answer (RFC 8945 §5.3); otherwise DNS_TSIG_INVALID and nothing is
 * reported written.
 * Why this way: the forged answers are real DNS messages built from the request or taken from the
 * real server (unsigned copy, one MAC byte flipped), so only the TSIG check can tell them apart.
 */
async function expectLanyardCode(promise: Promise<unknown>, code: string): Promise<LanyardError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error instanceof LanyardError ? error.code : String(error)).toBe(code);
  return error as LanyardError;
}

describe('RFC 2136: an UPDATE answer without the server’s valid TSIG is not believed', () => {
  const secret = Buffer.from('lanyard-security-rfc2136-secret-0123456789');
  let pdns: PowerDnsServer;
  let options: Rfc2136Options;
  const wanted: DnsRecordSet[] = [{ name: 'contoso.test', type: 'TXT', ttl: 3600, values: ['MS=ms11112222'] }];
  beforeAll(async () => {
    pdns = await startPowerDns({ dnsUpdate: { name: 'lanyard', algorithm: 'hmac-sha256', secret: secret.toString('base64') } });
    await pdns.createZone('contoso.test');
    options = { server: { host: '127.0.0.1', port: pdns.dnsPort }, zones: ['contoso.test'], key: { name: 'lanyard', algorithm: 'hmac-sha256', secret } };
  });
  afterAll(async () => {
    await pdns?.stop();
  });

  /** A provider whose UPDATE answers pass through `forge`; queries go to the real server. */
  const through = (forge: (request: Buffer, answer: Buffer) => Buffer | Promise<Buffer>) =>
    rfc2136Provider({
      ...options,
      exchange: async (server, wire, timeoutMs) => {
        const isUpdate = decodeMessage(wire).opcode === 5;
        return isUpdate ? forge(wire, await exchangeTcp(server, wire, timeoutMs)) : exchangeTcp(server, wire, timeoutMs);
      },
    });

  it('an on-path NOERROR for an UPDATE that never reached the server', async () => {
    const forged = rfc2136Provider({
      ...options,
      exchange: async (server, wire, timeoutMs) => {
        const request = decodeMessage(wire);
        if (request.opcode !== 5) return exchangeTcp(server, wire, timeoutMs);
        const answer = encodeMessage({ id: request.id, opcode: 5, questions: request.questions, answers: [], authorities: [], additionals: [] });
        answer.writeUInt16BE(answer.readUInt16BE(2) | 0x8400, 2); // QR and AA, NOERROR
        return answer;
      },
    });
    const error = await expectLanyardCode(forged.ensureRecords('contoso.test', wanted), 'DNS_TSIG_INVALID');
    expect(error.message).toContain('the answer is not signed');
    expect(await (await pdns.zoneRrsets('contoso.test')).some((rrset) => rrset.type === 'TXT')).toBe(false);
  });

  it('the real answer with its TSIG stripped, or with its MAC altered', async () => {
    const stripped = await expectLanyardCode(
      through((_request, answer) => {
        const decoded = decodeMessage(answer);
        const copy = Buffer.from(answer.subarray(0, decoded.lastAdditionalOffset));
        copy.writeUInt16BE(decoded.additionals.length - 1, 10);
        return copy;
      }).ensureRecords('contoso.test', wanted),
      'DNS_TSIG_INVALID',
    );
    expect(stripped.message).toContain('is not counted as written');
    const altered = await expectLanyardCode(
      through((_request, answer) => {
        const copy = Buffer.from(answer);
        copy[copy.length - 10]! ^= 0x01; // inside the MAC (before original id, error and other length)
        return copy;
      }).ensureRecords('contoso.test', [{ name: 'altered.contoso.test', type: 'TXT', ttl: 60, values: ['x'] }]),
      'DNS_TSIG_INVALID',
    );
    expect(altered.message).toContain('does not match the key');
  });
});

/**
 * Threat: a hostile DNS server answers with a name whose compression pointers form a loop (a label,
 * then a pointer back to that label), so decoding never ends and the set-up job hangs.
 * Invariant: a name is at most 255 bytes and pointers point backwards; anything else is a
 * RangeError (reported as a malformed answer), at once.
 */
describe('RFC 2136: DNS name compression loops', () => {
  it('a label followed by a pointer back to it is refused, not followed for ever', () => {
    const loop = Buffer.from([0, 0, 1, 0x61, 0xc0, 2]); // at 2: "a", then a pointer to 2
    expect(() => readName(loop, 2)).toThrow(RangeError);
    expect(() => readName(Buffer.from([0xc0, 0]), 0)).toThrow(/point backwards/);
    expect(readName(Buffer.from([1, 0x61, 0, 1, 0x62, 0xc0, 0]), 3)).toEqual(['b.a', 7]);
  });
});
