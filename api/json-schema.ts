import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { namedShapes, shapeNamed } from './shapes.ts';

export type JsonSchema = Record<string, unknown>;
export type SchemaSide = 'input' | 'output';

const componentPrefix = '#/components/schemas/';

/**
 * zod → JSON Schema draft 2020-12 (the dialect of OpenAPI 3.1) with zod 4's own converter, the
 * named shapes moved to components/schemas. A request is described as zod reads it (`input`: a
 * field with a default may be left out), an answer as zod would produce it (`output`). A named
 * shape whose two sides differ gets a second component, `<Name>Input`.
 */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};

  /** The JSON Schema of `schema`, referring to components for every named shape inside it. */
  of(schema: z.ZodType, side: SchemaSide): JsonSchema {
    const { $schema: _dialect, $defs, ...root } = z.toJSONSchema(schema, { target: 'draft-2020-12', metadata: namedShapes, io: side, unrepresentable: 'throw' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const names = new Map<string, string>();
    for (const id of Object.keys($defs ?? {})) names.set(id, this.componentName(id, side));
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) return [key, componentPrefix + names.get(inner.slice('#/$defs/'.length))!];
        return [key, rewrite(inner)];
      }));
    };
    for (const [id, definition] of Object.entries($defs ?? {})) {
      const name = names.get(id)!;
      const { id: _id, ...withoutId } = rewrite(definition) as JsonSchema;
      this.schemas[name] ??= withoutId;
    }
    return rewrite(root) as JsonSchema;
  }

  /** The component a named shape is under on this side: its name, or `<Name>Input` when reading it differs from writing it. */
  private componentName(id: string, side: SchemaSide): string {
    if (side === 'output') return id;
    const shape = shapeNamed(id);
    if (!shape) return id;
    const convert = (io: SchemaSide) => z.toJSONSchema(shape, { target: 'draft-2020-12', metadata: namedShapes, io, unrepresentable: 'throw' });
    return isDeepStrictEqual(convert('input'), convert('output')) ? id : `${id}Input`;
  }
}
