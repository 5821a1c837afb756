import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Services } from '../services';
import { anonymousActor } from '../../platform/actor';
import { withActor } from '../../platform/context';
import { autoconfigXml } from '../../tenancy/client-setup/autoconfig';
import { autodiscoverResponseXml, parseAutodiscoverRequest } from '../../tenancy/client-setup/autodiscover';
import { MAX_AUTODISCOVER_REQUEST_BYTES } from '../../tenancy/limits';
import { resolveClientSetup, resolveClientSetupInput } from '../../tenancy/use-cases/resolve-client-setup';

/**
 * The public client-setup documents, outside /api/v1 because mail clients ask for them at fixed paths
 * on the mail domain's own host names (autoconfig.<domain>, autodiscover.<domain>, <domain>):
 *
 * - Thunderbird: GET `/.well-known/autoconfig/mail/config-v1.1.xml` and `/mail/config-v1.1.xml`, the
 *   domain from `?emailaddress=` or else the Host header;
 * - Outlook: POST `/autodiscover/autodiscover.xml` (any case, express routes ignore it) with the POX
 *   request naming EMailAddress.
 *
 * No authentication (clients ask before they have a password); under the API's rate limit. Errors are
 * the API's JSON errors: 404 for a domain not hosted here, 400 malformed_xml, 413 for a body too large.
 */
export function clientSetupRouter(services: Services, limiter: RequestHandler) {
  const router = express.Router({ caseSensitive: false });
  const xml = (res: Response, body: string) => {
    // the answer depends on the query and the Host header; clients ask once, caches may keep it an hour
    res.setHeader('cache-control', 'public, max-age=3600');
    res.setHeader('vary', 'Host');
    res.type('application/xml; charset=utf-8').send(body);
  };

  const autoconfig = async (req: Request, res: Response) => {
    const q = req.query as Record<string, unknown>;
    const input = resolveClientSetupInput.parse({
      ...(q.emailaddress !== undefined ? { emailAddress: q.emailaddress } : {}),
      ...(req.hostname ? { host: req.hostname } : {}),
    });
    const setup = await resolveClientSetup(withActor(services, anonymousActor(req.ip)), input);
    xml(res, autoconfigXml(setup.domain, setup.endpoints));
  };
  router.get('/.well-known/autoconfig/mail/config-v1.1.xml', limiter, autoconfig);
  router.get('/mail/config-v1.1.xml', limiter, autoconfig);

  const autodiscover = async (req: Request, res: Response) => {
    const address = parseAutodiscoverRequest(typeof req.body === 'string' ? req.body : '');
    const setup = await resolveClientSetup(
      withActor(services, anonymousActor(req.ip)),
      resolveClientSetupInput.parse({ emailAddress: address }),
    );
    res.setHeader('cache-control', 'no-store');
    res.type('application/xml; charset=utf-8').send(autodiscoverResponseXml(setup.address!, setup.endpoints));
  };
  // Outlook sends text/xml; some clients send none or another type: the body is read as text whatever it says
  const body = express.text({ type: () => true, limit: MAX_AUTODISCOVER_REQUEST_BYTES });
  router.post('/autodiscover/autodiscover.xml', limiter, body, autodiscover);
  return router;
}
