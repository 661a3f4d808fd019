import express, { type Request, type Response } from 'express';
import { ReportAudience } from '../../models/enums.js';
import type { ProducedReport, ReportFormat, ReportService } from '../../tenants/reports/report.service.js';
import type { Actor } from '../../tenants/shared/actor.js';
import { classify, DomainError } from '../../tenants/shared/errors.js';
import { authorizationOf } from '../console/console-routes.js';
import { httpError, requestIdOf } from '../http/http.js';

type Authenticate = (header: string, requestId: string) => Promise<Actor>;

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400, CONFLICT: 409 };
const TYPES: Record<ReportFormat, string> = { PDF: 'application/pdf', JSON: 'application/json; charset=utf-8', ZIP: 'application/zip' };
const EXT: Record<ReportFormat, string> = { PDF: 'pdf', JSON: 'json', ZIP: 'zip' };

/**
 * Lead reports over HTTP, with a bearer token or the console's session: a search's report as PDF or
 * JSON and its discovery package, and a request's the same way. `?audience=oversight` gives the
 * version without faces.
 */
export function reportRouter(reports: ReportService, authenticate: Authenticate): express.Router {
  const router = express.Router();

  const send = async (req: Request, res: Response, produce: (actor: Actor, audience: ReportAudience) => Promise<ProducedReport>, format: ReportFormat) => {
    res.set('cache-control', 'no-store');
    try {
      const header = authorizationOf(req);
      if (!header) throw new DomainError('UNAUTHENTICATED', 'Send a bearer token (Authorization: Bearer <token>) or sign in to the console.');
      const actor = await authenticate(header, requestIdOf(res.getHeader('x-request-id') as string | undefined));
      const audience = String(req.query.audience ?? '').toUpperCase() === ReportAudience.OVERSIGHT ? ReportAudience.OVERSIGHT : ReportAudience.AGENCY;
      const r = await produce(actor, audience);
      const body = format === 'PDF' ? Buffer.from(r.pdf) : format === 'ZIP' ? Buffer.from(r.zip!) : r.json;
      // the name says what the file is: a lead report, its oversight version, or a discovery package
      const name = format === 'ZIP' ? 'discovery' : audience === ReportAudience.OVERSIGHT ? 'lead-report-oversight' : 'lead-report';
      res.type(TYPES[format]).set('content-disposition', `attachment; filename="${name}-${r.report.reportId}.${EXT[format]}"`).send(body);
    } catch (e) {
      const code = (e as { extensions?: { code?: string } }).extensions?.code ?? classify(e).code;
      const status = STATUS[code] ?? 500;
      const message = status < 500 ? (e as Error).message : 'Internal error; it has been logged with your request id.';
      res.status(status).json(httpError(status < 500 ? code : 'INTERNAL_SERVER_ERROR', message));
    }
  };

  const search = (format: ReportFormat) => (req: Request, res: Response) =>
    send(req, res, (actor, audience) => reports.searchReport(actor, String(req.params.id), format, audience), format);
  router.get('/reports/searches/:id/discovery.zip', search('ZIP'));
  router.get(/^\/reports\/searches\/(?<id>[^/]+)\.pdf$/, search('PDF'));
  router.get(/^\/reports\/searches\/(?<id>[^/]+)\.json$/, search('JSON'));

  const request = (format: ReportFormat) => (req: Request, res: Response) =>
    send(req, res, (actor, audience) => reports.requestReport(actor, String(req.params.id), format, audience), format);
  router.get('/reports/requests/:id/discovery.zip', request('ZIP'));
  router.get(/^\/reports\/requests\/(?<id>[^/]+)\.pdf$/, request('PDF'));
  router.get(/^\/reports\/requests\/(?<id>[^/]+)\.json$/, request('JSON'));
  return router;
}
