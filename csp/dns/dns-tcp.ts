import net from 'node:net';

export interface DnsServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Sends one DNS message over TCP (RFC 1035 §4.2.2: a two-byte length before each message) and
 * returns the answer. TCP rather than UDP: an answer is never truncated, and an UPDATE is not
 * resent by a retry that could race its own first copy.
 */
export function exchangeTcp(server: DnsServerAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let received = 0;
    // One deadline for the whole exchange (not an idle timeout), so a server trickling bytes cannot hold it open.
    const deadline = setTimeout(() => fail(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(deadline);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = Buffer.concat(chunks);
      if (received >= 2 && received >= 2 + all.readUInt16BE(0)) {
        clearTimeout(deadline);
        socket.end();
        resolve(all.subarray(2, 2 + all.readUInt16BE(0)));
      }
    });
    socket.on('end', () => fail(Object.assign(new Error('the server closed the connection before answering in full'), { code: 'ECONNRESET' })));
  });
}
