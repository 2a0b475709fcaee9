import net from 'node:net';

/**
 * A lean keep-alive HTTP/1.1 GET client for load generation. The load generator shares the
 * machine with the server it measures, so it must cost little: one socket per worker, the request
 * written as one buffer, the response read as bytes (status line, Content-Length, body) without
 * Node's full HTTP client machinery. Only what Lanyard answers is supported: HTTP/1.1 with a
 * Content-Length, no chunked bodies.
 */
export class KeepAliveGetClient {
  readonly #socket: net.Socket;
  #pending: { resolve: (response: LoadResponse) => void; reject: (error: Error) => void } | undefined;
  #buffered: Buffer = Buffer.alloc(0);
  #connected: Promise<void>;

  constructor(private readonly origin: URL) {
    this.#socket = net.connect({ host: origin.hostname, port: Number(origin.port), noDelay: true });
    this.#connected = new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  /** GETs `pathAndQuery` with the given headers and resolves with the status and body bytes. */
  async get(pathAndQuery: string, headers: Record<string, string>): Promise<LoadResponse> {
    await this.#connected;
    if (this.#pending) throw new Error('one request at a time per connection');
    let head = `GET ${pathAndQuery} HTTP/1.1\r\nHost: ${this.origin.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    const answered = new Promise<LoadResponse>((resolve, reject) => (this.#pending = { resolve, reject }));
    this.#socket.write(`${head}\r\n`);
    return answered;
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const headerEnd = this.#buffered.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.#buffered.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.#fail(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
    const end = headerEnd + 4 + Number(length[1]);
    if (this.#buffered.length < end) return;
    const body = this.#buffered.subarray(headerEnd + 4, end);
    this.#buffered = this.#buffered.subarray(end);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve({ status: Number(head.slice(9, 12)), body });
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}

export interface LoadResponse {
  readonly status: number;
  readonly body: Buffer;
}
