import 'reflect-metadata';
import './enums.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { GalleryResolver } from './gallery.resolver.js';
import { OversightResolver } from './oversight.resolver.js';
import { PolicyResolver } from './policy.resolver.js';
import { SearchResolver } from './search.resolver.js';
import { SharingResolver } from './sharing.resolver.js';
import { SystemResolver } from './system.resolver.js';
import { TenantResolver } from './tenant.resolver.js';

// the committed copy beside the sources, whether this runs from schema/ or dist/schema/
export const SCHEMA_FILE = join(__dirname, __dirname.split(/[\/]/).includes('dist') ? '../../schema' : '.', 'schema.graphql');

export async function buildHubSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [TenantResolver, GalleryResolver, SearchResolver, PolicyResolver, SharingResolver, OversightResolver, SystemResolver], validate: false });
}

/** The committed SDL; a test fails when it and the code differ. */
export async function emitSchema(file = SCHEMA_FILE): Promise<string> {
  const sdl = `${printSchema(await buildHubSchema())}\n`;
  writeFileSync(file, sdl);
  return sdl;
}
