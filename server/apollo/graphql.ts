import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import type pino from 'pino';
import type { Histogram } from 'prom-client';
import { buildHubSchema } from '../../schema/build-schema.js';
import type { GraphQLContext, Services } from '../../schema/context.js';
import { formatError } from '../../schema/errors.js';
import { limitsRule } from '../../schema/limits.js';
import { classify, DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../../tenants/shared/errors.js';
import type { Authenticator } from '../auth/bearer-authenticator.js';
import type { Config } from '../config.js';
import { authorizationOf } from '../console/console-routes.js';
import { operationLabel, requestLog, requestScopedLogger } from '../http/http.js';
import { requestTiming } from '../http/request-timing.js';

/** Apollo Server on the hub's schema: query limits, the one error formatter, per-operation latency and Server-Timing. */
export async function startApollo(config: Pick<Config, 'introspection'>, logger: pino.Logger, opSeconds: Histogram<'operation'>): Promise<ApolloServer<GraphQLContext>> {
  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildHubSchema(),
    introspection: config.introspection,
    validationRules: [limitsRule(12, 30)],
    logger: requestScopedLogger(logger),
    // the hub's own handler below lets in-flight requests finish; Apollo's would re-raise the signal
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatError(formatted, error, (e) => requestLog(logger).error({ err: e }, 'unexpected error in a GraphQL operation')),
    plugins: [
      // no per-resolver timings in responses to a gateway that asks for them
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo's landing page loads its script from Apollo's hosts: a browser is sent to the console's own query page instead
      ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart(rc) {
          const end = opSeconds.startTimer();
          return {
            async willSendResponse({ response }) {
              end({ operation: operationLabel(rc.schema, rc.operation) });
              // where the time went: inference, database, and the rest (GraphQL, HTTP, policy code)
              const t = requestTiming.getStore();
              if (t) response.http.headers.set('server-timing', `inference;dur=${t.inferenceMs.toFixed(1)}, db;dur=${t.databaseMs.toFixed(1)}, total;dur=${(performance.now() - t.startedAt).toFixed(1)}`);
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  return apollo;
}

/** /graphql: JSON and multipart uploads within the image limit, each request's context with its authenticated actor. */
export function graphqlRoute(app: express.Express, apollo: ApolloServer<GraphQLContext>, deps: { config: Pick<Config, 'maxImageBytes'>; services: Services; authenticate: Authenticator }): void {
  const { config, services, authenticate } = deps;
  // a person who opens /graphql in a browser (HTML wanted, no query) gets the console's query page
  app.get('/graphql', (req, res, next) => (req.query.query === undefined && req.accepts(['application/json', 'text/html']) === 'text/html' ? res.redirect(302, '/graphiql') : next()));
  app.use(
    '/graphql',
    express.json({ limit: `${Math.ceil((config.maxImageBytes * 4) / 3 / 1024 / 1024) + 1}mb` }),
    graphqlUploadExpress({ maxFileSize: config.maxImageBytes + 1, maxFiles: 1 }), // +1: busboy flags a file that reaches its limit exactly as truncated
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = String(req.res?.getHeader('x-request-id') ?? randomUUID());
        const ctx: GraphQLContext = { requestId, services, maxImageBytes: config.maxImageBytes };
        const header = authorizationOf(req);
        if (header) ctx.actor = await authenticate(header, requestId).catch((e: unknown) => {
          // the principal lookup found no database: say so (503, a code to retry on), not "context creation failed" with the driver's text
          if (isDatabaseUnavailable(e)) throw new GraphQLError(classify(e).message!, { extensions: { code: DATABASE_UNAVAILABLE, http: { status: 503 } } });
          throw e;
        });
        return ctx;
      },
    }),
  );
}
