// The OpenAPI description the console serves: the hand-written endpoints and shapes of
// openapi.json, with the run request made from the agent's collectors. Each collector's
// parameters become a schema with the same defaults and limits its form and its command-line flags
// use, so the description cannot drift from what POST /api/runs accepts.

import type { CollectorInfo, ParamSpec } from '../agent/agent.js';

type Schema = Record<string, unknown>;

function paramSchema(p: ParamSpec): Schema {
  const base = { description: `${p.label}${p.help ? ': ' + p.help : ''}` };
  switch (p.type) {
    case 'boolean':
      return { ...base, type: 'boolean', default: p.default };
    case 'choice':
      return { ...base, type: 'string', enum: p.choices.map((c) => c.value), default: p.default };
    case 'duration':
      return { ...base, type: 'integer', minimum: p.min, maximum: p.max, default: p.default, 'x-unit': 'milliseconds' };
    case 'integer':
      return { ...base, type: 'integer', minimum: p.min, maximum: p.max, default: p.default, ...(p.unit ? { 'x-unit': p.unit } : {}) };
  }
}

/** The schema name of a collector's parameters: "cpu" → "CpuParams", "lua-bt" → "LuaBtParams". */
function paramsSchemaName(kind: string): string {
  return kind.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') + 'Params';
}

/** openapi.json with RunRequest and one parameters schema per collector filled in. */
export function openApiDocument(base: string, kinds: readonly CollectorInfo[]): Schema {
  const doc = JSON.parse(base) as { components: { schemas: Record<string, Schema> } };
  const schemas = doc.components.schemas;
  const variants: Schema[] = [];
  const mapping: Record<string, string> = {};
  for (const k of kinds) {
    const paramsName = paramsSchemaName(k.name);
    schemas[paramsName] = {
      type: 'object',
      description: `${k.title}: ${k.description}. Unknown parameters and values out of bounds are refused with 400.`,
      additionalProperties: false,
      properties: Object.fromEntries(k.params.map((p) => [p.name, paramSchema(p)])),
    };
    const requestName = `RunRequest${paramsName.replace(/Params$/, '')}`;
    schemas[requestName] = {
      type: 'object',
      required: ['kind', 'pid'],
      properties: {
        kind: { type: 'string', enum: [k.name] },
        pid: { type: 'integer', minimum: 1 },
        params: { $ref: `#/components/schemas/${paramsName}` },
      },
    };
    const ref = `#/components/schemas/${requestName}`;
    variants.push({ $ref: ref });
    mapping[k.name] = ref;
  }
  schemas.RunRequest = {
    description: `An analysis to run on one process: ${kinds.map((k) => `${k.name} (${k.title})`).join(', ')}.`,
    oneOf: variants,
    discriminator: { propertyName: 'kind', mapping },
  };
  return doc;
}
