// A real SMTP server for the mail suites (the smtp-server package) on a loopback port: it keeps
// what it accepts, and can answer with a reply code of the test's choosing or be taken down and
// brought back on the same port.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: string;
  to: string[];
  messageId: string;
  subject: string;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** The next DATA commands answer with this code and message instead of accepting; null: accept. */
  reply: { code: number; message: string } | null;
  /** While set, a message's DATA is answered only once it resolves. */
  hold: Promise<void> | null;
  /** Called when a message's DATA begins. */
  onDataStart: (() => void) | null;
  stop(): Promise<void>;
  /** Listens again on the same port after stop(); nothing while it listens. */
  start(): Promise<void>;
}

export async function startSmtpServer(host = '127.0.0.1'): Promise<TestSmtpServer> {
  let server: SMTPServer | null = null;
  const state: TestSmtpServer = {
    port: 0,
    url: '',
    received: [],
    reply: null,
    hold: null,
    onDataStart: null,
    async stop() {
      const running = server;
      server = null;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async start() {
      if (server) return;
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, session, callback) {
          state.onDataStart?.();
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', async () => {
            await state.hold;
            if (state.reply) {
              const error = Object.assign(new Error(state.reply.message), { responseCode: state.reply.code });
              return callback(error);
            }
            const raw = Buffer.concat(chunks).toString('utf8');
            state.received.push(
              parseMail(
                raw,
                session.envelope.rcptTo.map((r) => r.address),
              ),
            );
            callback();
          });
        },
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(state.port, host, () => resolve());
      });
      state.port = (listening.server.address() as AddressInfo).port;
      state.url = `smtp://${host}:${state.port}`;
    },
  };
  await state.start();
  return state;
}

/** The headers and both bodies of a message nodemailer wrote (multipart/alternative). */
export function parseMail(raw: string, to: string[]): ReceivedMail {
  const [head = ''] = raw.split(/\r?\n\r?\n/, 1);
  const header = (name: string) =>
    new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
  return {
    raw,
    to,
    messageId: header('Message-ID'),
    subject: header('Subject'),
    text: partOf(raw, 'text/plain'),
    html: partOf(raw, 'text/html'),
  };
}

function partOf(raw: string, type: string): string {
  const start = raw.search(new RegExp(`Content-Type: ${type}`, 'i'));
  if (start < 0) return '';
  const rest = raw.slice(start);
  const bodyStart = rest.search(/\r?\n\r?\n/);
  const headers = rest.slice(0, bodyStart);
  const body =
    rest
      .slice(bodyStart)
      .replace(/^\r?\n\r?\n/, '')
      .split(/\r?\n--/)[0] ?? '';
  const encoding = /Content-Transfer-Encoding:\s*(\S+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
