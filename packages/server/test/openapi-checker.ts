import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { TestResponse } from '@masterserver/testing';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

/** An OpenAPI document, as far as the checker reads it. */
export type OpenApiDocument = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { responses: Record<string, Node> }>>;
  components: Record<string, Record<string, Node>>;
};
type Node = Record<string, unknown>;

/** docs/openapi.yaml, parsed. */
export function readOpenApiYaml(): OpenApiDocument {
  const text = readFileSync(new URL('../../../../docs/openapi.yaml', import.meta.url), 'utf8');
  return parse(text, { uniqueKeys: true }) as OpenApiDocument;
}

/** A JSON pointer segment, written as a URI fragment. */
const segment = (part: string): string => encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1'));

/** The methods an OpenAPI path item may hold. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Validates real answers against an OpenAPI 3.1 document with ajv (JSON Schema 2020-12), and counts which of
 * the outcomes the document declares were seen: every status of every operation, and every error code each
 * error answer may carry (an answer that is a `$ref` to components/responses counts for the component).
 */
export class OpenApiChecker {
  readonly doc: OpenApiDocument;
  readonly seen = new Set<string>();
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    this.doc = doc;
    // Strict about keywords (a misspelt one fails), not about `type` beside `properties` (the narrowed errors).
    this.#ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
    this.#ajv.addFormat('int32', { type: 'number', validate: (n: number) => n === (n | 0) });
    this.#ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s));
    // The document is one schema resource: fragments are compiled as they are used, every `$ref` resolving in it.
    for (const keyword of ['openapi', 'info', 'tags', 'paths', 'components']) this.#ajv.addKeyword(keyword);
    this.#ajv.addSchema(doc as object, 'openapi');
  }

  /** Validates the answer to `method` on `path` (a path of the document, e.g. `/v2/client/servers/{id}`). */
  check(method: string, path: string, res: TestResponse): void {
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is not in the document`);
    const status = String(res.status);
    const response = operation.responses[status];
    const where = `${method} ${path} → ${status}`;
    assert.ok(response, `${where} is not declared (body: ${res.text.slice(0, 300)})`);
    const pointer = `/paths/${segment(path)}/${method.toLowerCase()}/responses/${status}`;
    this.#checkResponse(where, response, pointer, res, `${method.toUpperCase()} ${path} ${status}`);
  }

  /** Validates an answer against `components/responses/NAME` (the answers of no single route). */
  checkComponent(name: string, res: TestResponse): void {
    const response = this.doc.components.responses?.[name];
    assert.ok(response, `components/responses/${name} is not in the document`);
    this.#checkResponse(name, response, `/components/responses/${name}`, res, `#/components/responses/${name}`);
  }

  /** Validates `value` against `components/schemas/NAME`. */
  checkSchema(name: string, value: unknown): void {
    this.#validate(`/components/schemas/${segment(name)}`, value, `schema ${name}`);
  }

  /** Validates every example of a request or response body against the body's schema. */
  checkExamples(): number {
    let count = 0;
    const visit = (media: Record<string, Node> | undefined, pointer: string): void => {
      for (const [type, entry] of Object.entries(media ?? {})) {
        const schema = `${pointer}/content/${segment(type)}/schema`;
        const examples = Object.entries((entry.examples ?? {}) as Record<string, { value: unknown }>);
        if ('example' in entry) examples.push(['example', { value: entry.example }]);
        for (const [name, example] of examples) {
          this.#validate(schema, example.value, `${pointer} ${type} example ${name}`);
          count++;
        }
      }
    };
    for (const [path, item] of Object.entries(this.doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const base = `/paths/${segment(path)}/${method}`;
        const body = (operation as Node).requestBody as Node | undefined;
        visit(body?.content as Record<string, Node> | undefined, `${base}/requestBody`);
        for (const [status, response] of Object.entries(operation.responses)) {
          visit(response.content as Record<string, Node> | undefined, `${base}/responses/${status}`);
        }
      }
    }
    return count;
  }

  /**
   * Every outcome the document declares, as the keys {@link seen} collects: `METHOD PATH STATUS [CODE]`, or
   * `#/components/responses/NAME [CODE]` for the shared answers.
   */
  declared(): string[] {
    const keys = new Set<string>();
    for (const [path, item] of Object.entries(this.doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(method)) continue;
        for (const [status, response] of Object.entries(operation.responses)) {
          if (typeof response.$ref === 'string') continue;
          for (const key of this.#keys(response, `${method.toUpperCase()} ${path} ${status}`)) keys.add(key);
        }
      }
    }
    for (const [name, response] of Object.entries(this.doc.components.responses ?? {})) {
      for (const key of this.#keys(response, `#/components/responses/${name}`)) keys.add(key);
    }
    return [...keys];
  }

  /** The keys of one response: one per error code it may carry, else one. */
  #keys(response: Node, base: string): string[] {
    const codes = this.#codes(response);
    return codes === undefined ? [base] : codes.map((code) => `${base} ${code}`);
  }

  /** The error codes a response's JSON body may carry (its schema narrows `error.code`), or `undefined`. */
  #codes(response: Node): string[] | undefined {
    const content = response.content as Record<string, { schema?: Node }> | undefined;
    let schema = content?.['application/json']?.schema;
    for (let hops = 0; schema !== undefined && hops < 5; hops++) {
      const code = ((schema.properties as Node | undefined)?.error as Node | undefined)?.properties as Node | undefined;
      const narrowed = code?.code as { const?: string; enum?: string[] } | undefined;
      if (narrowed !== undefined) return narrowed.enum ?? (narrowed.const === undefined ? undefined : [narrowed.const]);
      const ref = schema.$ref as string | undefined;
      if (ref === '#/components/schemas/Error') throw new Error('an error answer must narrow error.code');
      schema = ref?.startsWith('#/components/schemas/') ? this.doc.components.schemas?.[ref.slice(21)] : undefined;
    }
    return undefined;
  }

  #checkResponse(where: string, declared: Node, pointer: string, res: TestResponse, key: string): void {
    let response = declared;
    if (typeof declared.$ref === 'string') {
      pointer = declared.$ref.slice(1);
      key = declared.$ref;
      response = this.#resolve(declared.$ref);
    }
    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Node>)) {
      let headerPointer = `${pointer}/headers/${segment(name)}`;
      let spec = header;
      if (typeof header.$ref === 'string') {
        headerPointer = header.$ref.slice(1);
        spec = this.#resolve(header.$ref);
      }
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) {
        assert.ok(spec.required !== true, `${where}: header ${name} is missing`);
        continue;
      }
      const text = Array.isArray(value) ? value.join(', ') : value;
      const typed = (spec.schema as Node).type === 'integer' && /^-?\d+$/.test(text) ? Number(text) : text;
      this.#validate(`${headerPointer}/schema`, typed, `${where}: header ${name}`);
    }
    const content = response.content as Record<string, unknown> | undefined;
    if (content === undefined) {
      assert.equal(res.raw.length, 0, `${where}: a body where none is declared`);
    } else {
      const type = String(res.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim();
      assert.ok(type !== undefined && type in content, `${where}: Content-Type ${type} is not declared`);
      const json = type === 'application/json';
      if (json) assert.notEqual(res.json, undefined, `${where}: the body is not JSON: ${res.text.slice(0, 200)}`);
      this.#validate(`${pointer}/content/${segment(type)}/schema`, json ? res.json : res.text, `${where}: body`);
    }
    const codes = this.#codes(response);
    const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
    this.seen.add(codes === undefined ? key : `${key} ${code}`);
  }

  #resolve(ref: string): Node {
    let node: unknown = this.doc;
    for (const part of ref.slice(2).split('/')) {
      node = (node as Node)[decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    assert.ok(node !== undefined, `${ref} does not resolve`);
    return node as Node;
  }

  #validate(pointer: string, value: unknown, what: string): void {
    let validate = this.#validators.get(pointer);
    if (validate === undefined) {
      validate = this.#ajv.compile({ $ref: `openapi#${pointer}` });
      this.#validators.set(pointer, validate);
    }
    if (!validate(value)) {
      assert.fail(
        `${what} does not match the document: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(value)?.slice(0, 400)}`,
      );
    }
  }
}

/**
 * Sends `text` as it is over a new TCP connection and reads one answer: its status, headers and body (by
 * `Content-Length`; a `101` has none). Resolves once the answer is complete or the server closed.
 */
export function rawHttp(url: string, text: string | Buffer): Promise<TestResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const finish = (): void => {
      socket.destroy();
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) {
        reject(new Error(`no answer: ${JSON.stringify(received.toString())}`));
        return;
      }
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const raw = received.subarray(end + 4);
      const body = raw.toString('utf8');
      let json: unknown;
      try {
        json = body === '' ? undefined : JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, raw, text: body, json });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      if (head.startsWith('HTTP/1.1 101 ') || received.length >= end + 4 + Number(length ?? Number.NaN)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
    if (text.length > 0) socket.write(text);
  });
}
