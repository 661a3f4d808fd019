import 'reflect-metadata';
import './enums.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap } from 'type-graphql';
import { auditAttempts } from './attempt-audit.js';
import { actorOf, type GraphQLContext } from './context.js';
import { GalleryResolver } from './gallery.resolver.js';
import { GroupRatesResolver } from './group-rates.resolver.js';
import { describeTextLimits, guardTextInputs } from './input-guard.js';
import { OversightResolver } from './oversight.resolver.js';
import { PolicyResolver } from './policy.resolver.js';
import { ReportResolver } from './report.resolver.js';
import { CandidateResolver, SearchResolver, toSearch } from './search.resolver.js';
import { RequestResolver } from './request.resolver.js';
import { SharingResolver } from './sharing.resolver.js';
import { SystemResolver } from './system.resolver.js';
import { TenantResolver } from './tenant.resolver.js';
// after the resolvers above, so the emitted schema keeps their order
import { PrincipalResolver } from './principal.resolver.js';
import { CandidateGroupResolver, CandidateSubjectResolver, RecordsResolver, SearchGroupsResolver } from './records.resolver.js';
import { CalibrationResolver } from './calibration.resolver.js';

// the committed copy beside the sources, whether this runs from schema/ or dist/schema/
export const SCHEMA_FILE = join(__dirname, __dirname.split(/[\/]/).includes('dist') ? '../../schema' : '.', 'schema.graphql');

const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;

type Ref = { id: string };

/**
 * The hub's schema, which is also an Apollo Federation 2 subgraph: Tenant, Gallery and Search carry
 * `@key(fields: "id")`, and `_entities` resolves them through the same services and access checks
 * as the `tenant`, `gallery` and `search` queries (another tenant's object is NOT_FOUND).
 */
export async function buildHubSchema(): Promise<GraphQLSchema> {
  const typeGraphql = await buildSchema({
    resolvers: [
      TenantResolver, GalleryResolver, SearchResolver, CandidateResolver, PolicyResolver, SharingResolver, OversightResolver, SystemResolver, RequestResolver, ReportResolver,
      PrincipalResolver, RecordsResolver, CandidateSubjectResolver, CandidateGroupResolver, SearchGroupsResolver, CalibrationResolver, GroupRatesResolver,
    ],
    validate: false,
  });
  describeTextLimits(typeGraphql);
  const references = {
    Tenant: { __resolveReference: (ref: Ref, ctx: GraphQLContext) => ctx.services.tenants.get(actorOf(ctx), ref.id) },
    Gallery: { __resolveReference: (ref: Ref, ctx: GraphQLContext) => ctx.services.galleries.get(actorOf(ctx), ref.id) },
    Search: {
      __resolveReference: async (ref: Ref, ctx: GraphQLContext) => {
        const s = await ctx.services.searches.get(actorOf(ctx), ref.id);
        return toSearch(s as never, s.candidates as never);
      },
    },
  };
  const resolvers = createResolversMap(typeGraphql) as Record<string, Record<string, unknown>>;
  guardTextInputs(typeGraphql, resolvers);
  for (const [type, r] of Object.entries(references)) resolvers[type] = { ...resolvers[type], ...r };
  const schema = buildSubgraphSchema({ typeDefs: parse(`${FEDERATION}\n${printSchemaWithDirectives(typeGraphql)}`), resolvers: resolvers as never });
  // the one refusal path, outermost, around every root field and entity lookup of what is served (federation's included)
  auditAttempts(schema);
  return schema;
}

/** The committed subgraph SDL (what a supergraph composes); a test fails when it and the code differ. */
export async function emitSchema(file = SCHEMA_FILE): Promise<string> {
  const sdl = `${printSubgraphSchema(await buildHubSchema())}\n`;
  writeFileSync(file, sdl);
  return sdl;
}
