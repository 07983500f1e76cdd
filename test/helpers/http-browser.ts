// A browser over fetch for the page suites: a cookie jar, and forms posted with the hidden fields
// (CSRF, one-time token) of the page they came from.
export interface Answer {
  status: number;
  location: string | null;
  type: string | null;
  body: string;
}

/** A browser over fetch: a cookie jar, forms posted with the hidden fields of the page they came from. */
export class HttpBrowser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async get(path: string): Promise<Answer> {
    return this.send(path, { method: 'GET' });
  }

  /** Posts `fields` with the hidden fields (CSRF, one-time token) of the form at `action` on `page`. */
  async submit(page: Answer, action: string, fields: Record<string, string>): Promise<Answer> {
    const start = page.body.indexOf(`action="${action}"`);
    if (start < 0) throw new Error(`no form posting to ${action} on the page:\n${page.body.slice(0, 1500)}`);
    const form = page.body.slice(start, page.body.indexOf('</form>', start));
    const hidden = Object.fromEntries(
      [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]),
    );
    return this.post(action, { ...hidden, ...fields });
  }

  async post(path: string, fields: Record<string, string>): Promise<Answer> {
    return this.send(path, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  private async send(path: string, init: RequestInit): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(new URL(path, this.base), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await response.text();
    return {
      status: response.status,
      location: response.headers.get('location'),
      type: response.headers.get('content-type'),
      body,
    };
  }
}

export function secretOf(page: Answer, field: string): string {
  const match = new RegExp(`<code id="secret-${field}">([^<]+)</code>`).exec(page.body);
  if (!match) throw new Error(`no ${field} secret on the page:\n${page.body.slice(0, 1500)}`);
  return match[1]!;
}
