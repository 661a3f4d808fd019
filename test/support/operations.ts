import { getNamedType, isInputObjectType, isUnionType, type GraphQLArgument, type GraphQLInputField, type GraphQLInputType } from 'graphql';
import { buildHubSchema } from '../../schema/build-schema';

/** One root field of the built schema, with the paths of every argument that names an object or a tenant. */
export interface Operation {
  name: string;
  kind: 'query' | 'mutation';
  /** e.g. 'id', 'input.galleryId', 'input.granteeTenantSlug': arguments of type ID, or named slug/…Slug */
  idArgs: string[];
}

const namesAnObject = (name: string, type: GraphQLInputType) => getNamedType(type).name === 'ID' || name === 'slug' || /Slug$/.test(name);

function idPaths(fields: readonly (GraphQLArgument | GraphQLInputField)[], prefix = '', seen = new Set<string>()): string[] {
  return fields.flatMap((f) => {
    const path = `${prefix}${f.name}`;
    const named = getNamedType(f.type);
    if (isInputObjectType(named)) {
      if (seen.has(named.name)) return [];
      return idPaths(Object.values(named.getFields()), `${path}.`, new Set([...seen, named.name]));
    }
    return namesAnObject(f.name, f.type) ? [path] : [];
  });
}

/** Every Query and Mutation field of the hub's schema, as the server builds it (federation fields included). */
export async function schemaOperations(): Promise<Operation[]> {
  const schema = await buildHubSchema();
  const roots = [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const;
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {}).map((f) => ({ name: f.name, kind, idArgs: idPaths(f.args) })),
  );
}

/** The federation entity types (those with @key), which `_entities` resolves by id. */
export async function entityTypes(): Promise<string[]> {
  const entity = (await buildHubSchema()).getType('_Entity');
  return isUnionType(entity) ? entity.getTypes().map((t) => t.name) : [];
}
