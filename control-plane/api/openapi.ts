import { z } from 'zod';
import type { RouteDef } from './route';
import { MAX_SUPPORT_REASON_CHARS, MIN_SUPPORT_REASON_CHARS, SUPPORT_REASON_HEADER } from '../auth/support-reason';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
 */
const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(def: RouteDef): unknown[] {
  const out: unknown[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
    }
  };
  add(def.params, 'path');
  add(def.query, 'query');
  if (def.supportReason) {
    out.push({
      name: SUPPORT_REASON_HEADER,
      in: 'header',
      required: false,
      description:
        `Why the caller acts (${def.supportReason === 'mail_content' ? 'reads mail content' : 'resets a password'}); required of support ` +
        `(else 400 reason_required), kept from any role. ${MIN_SUPPORT_REASON_CHARS} to ${MAX_SUPPORT_REASON_CHARS} characters after trimming, ` +
        'percent-encoded (encodeURIComponent) if not ASCII. Audited with every entry the request writes.',
      schema: { type: 'string', maxLength: MAX_SUPPORT_REASON_CHARS * 12 },
    });
  }
  if (def.idempotent) out.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } });
  return out;
}

export function buildOpenApi(routes: RouteDef[], opts: { serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of routes) {
    const p = def.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const status = String(def.status ?? 200);
    const op: Record<string, unknown> = {
      summary: def.summary,
      tags: def.tags,
      operationId: `${def.method}${p.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: parameters(def),
      security: def.permission === 'public' ? [] : def.staffSession ? [{ session: [] }] : [{ bearer: [] }, { session: [] }],
      'x-permission': def.permission,
      ...(def.staffSession ? { 'x-staff-session': true } : {}),
      responses: {
        [status]:
          status === '204'
            ? { description: 'done' }
            : {
                description: 'success',
                content: { 'application/json': { schema: def.response ? jsonSchema(def.response, 'output') : {} } },
              },
        default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (def.body) {
      op.requestBody = {
        required: true,
        content: def.acceptsCsv
          ? { 'text/csv': { schema: { type: 'string' } } }
          : { 'application/json': { schema: jsonSchema(def.body, 'input') } },
      };
    }
    (paths[p] ??= {})[def.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Postwerk control plane', version: '1', description: 'Tenants, domains, accounts, quotas, migrations.' },
    servers: [{ url: opts.serverUrl }],
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token: pwk_…' },
        session: { type: 'apiKey', in: 'cookie', name: 'pw_session' },
      },
    },
    paths,
  };
}
