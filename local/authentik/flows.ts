// The Authentik flow executor, as a headless client meets it: `/if/flow/<slug>/` (the shell a browser
// loads), `/api/v3/flows/executor/<slug>/?query=<the shell's query string>` (challenges as JSON), and
// `/flows/-/default/authentication/` (where Authentik sends a visitor without a session).
// Authentik keeps the flow plan in the session, so the plan lives in the `authentik_session` entry
// (sessions.ts); the OIDC authorize endpoint plans the authorization flow there too, ending in a
// fulfilment stage.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthentikBackend, FlowSummary } from './backend.ts';
import type { UserConsents } from './consents.ts';
import {
  csrfFailure,
  isAbsoluteUrl,
  readBody,
  sendJson,
  sendRedirect,
  unsupportedMediaType,
} from './flow-http.ts';
import { flowPage } from './flow-page.ts';
import {
  type AuthentikSession,
  type AuthentikSessions,
  appendSetCookie,
  CSRF_COOKIE,
  type FlowPlan,
  readCookie,
  type StageKind,
} from './sessions.ts';

/** Where Authentik sends a visitor who must log in first (its LOGIN_URL). */
export const DEFAULT_AUTHENTICATION_PATH = '/flows/-/default/authentication/';
/** The brand's authentication flow in a fresh Authentik. */
export const DEFAULT_AUTHENTICATION_FLOW = 'default-authentication-flow';

const EXECUTOR_PATH = /^\/api\/v3\/flows\/executor\/([^/]+)\/$/;
const SHELL_PATH = /^\/if\/flow\/([^/]+)\/$/;
const DEFAULT_AVATAR = '/static/dist/assets/images/user_default.png';
// Authentik's password stage default (`failed_attempts_before_cancel`).
const FAILED_ATTEMPTS_BEFORE_CANCEL = 5;

export interface FlowExecutor {
  /** Serves the request when it is for a flow path; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

type Json = Record<string, unknown>;

function errorDetail(message: string, code: string): { string: string; code: string } {
  return { string: message, code };
}

export function createFlowExecutor(
  backend: AuthentikBackend,
  sessions: AuthentikSessions,
  consents: UserConsents,
): FlowExecutor {
  function flowInfo(flow: FlowSummary, plan: FlowPlan | null): Json {
    const title = flow.title
      .replaceAll('%(app)s', plan?.applicationName ?? '')
      .replaceAll('%(user)s', plan?.pendingUser?.identifier ?? '');
    return {
      title,
      background: '/static/dist/assets/images/flow_background.jpg',
      cancel_url: '/flows/-/cancel/',
      layout: 'stacked',
    };
  }

  async function planFor(
    flow: FlowSummary,
    session: AuthentikSession,
  ): Promise<FlowPlan | { denied: string }> {
    switch (flow.designation) {
      case 'authentication':
        return { flowSlug: flow.slug, stages: ['identification', 'password', 'user_login'] };
      case 'authorization': {
        // Authentik's authorization flows require an authenticated user.
        const user = session.userPk === null ? undefined : await backend.findUser(session.userPk);
        if (!user?.isActive) return { denied: 'Flow does not apply to current user.' };
        return {
          flowSlug: flow.slug,
          stages: flow.consent === 'explicit' ? ['consent'] : [],
          pendingUser: { identifier: user.username, user },
          // No application in this plan: the consent stage cannot look a consent up and asks.
          consent: { headerText: '', permissions: [], mode: 'always_require' },
        };
      }
      case 'invalidation':
        return { flowSlug: flow.slug, stages: ['user_logout'] };
      default:
        return { flowSlug: flow.slug, stages: [] };
    }
  }

  function challengeFor(stage: StageKind, flow: FlowSummary, plan: FlowPlan): Json {
    const info = flowInfo(flow, plan);
    const pendingUser = plan.pendingUser?.identifier ?? '';
    switch (stage) {
      case 'identification':
        return {
          flow_info: info,
          component: 'ak-stage-identification',
          user_fields: ['email', 'username'],
          password_fields: false,
          allow_show_password: false,
          ...(plan.applicationName === undefined ? {} : { application_pre: plan.applicationName }),
          flow_designation: flow.designation,
          captcha_stage: null,
          primary_action: flow.designation === 'authentication' ? 'Log in' : 'Continue',
          sources: [],
          show_source_labels: false,
          enable_remember_me: true,
          passkey_challenge: null,
        };
      case 'password':
        return {
          flow_info: info,
          component: 'ak-stage-password',
          pending_user: pendingUser,
          pending_user_avatar: DEFAULT_AVATAR,
          allow_show_password: false,
        };
      case 'consent':
        plan.consentToken ??= randomUUID();
        return {
          flow_info: info,
          component: 'ak-stage-consent',
          pending_user: pendingUser,
          pending_user_avatar: DEFAULT_AVATAR,
          header_text: plan.consent?.headerText ?? '',
          permissions: plan.consent?.permissions ?? [],
          additional_permissions: [],
          token: plan.consentToken,
        };
      default:
        throw new Error(`stage ${stage} has no challenge`);
    }
  }

  const extra = (additional: { id: string; name: string }[]): Json =>
    additional.length > 0 ? { additional_permissions: additional } : {};

  const COMPONENTS: Partial<Record<StageKind, string>> = {
    identification: 'ak-stage-identification',
    password: 'ak-stage-password',
    consent: 'ak-stage-consent',
  };

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://authentik.invalid');
      const method = req.method ?? 'GET';

      if (url.pathname === DEFAULT_AUTHENTICATION_PATH && (method === 'GET' || method === 'HEAD')) {
        sendRedirect(res, `/if/flow/${DEFAULT_AUTHENTICATION_FLOW}/${url.search}`);
        return true;
      }

      const shell = SHELL_PATH.exec(url.pathname);
      if (shell && (method === 'GET' || method === 'HEAD')) {
        const flow = await backend.findFlow(decodeURIComponent(shell[1] ?? ''));
        if (!flow) {
          res.writeHead(404, { 'content-type': 'text/html' });
          res.end('<!DOCTYPE html><title>Not Found</title>');
          return true;
        }
        sessions.ensure(req, res);
        // The flow interface hands the web client Django's CSRF token as the authentik_csrf cookie,
        // which the client echoes in X-authentik-CSRF (web/src/common/api/middleware.ts).
        if (!readCookie(req, CSRF_COOKIE)) {
          appendSetCookie(
            res,
            `${CSRF_COOKIE}=${randomBytes(32).toString('hex')}; Max-Age=31449600; Path=/; SameSite=Lax`,
          );
        }
        const page = flowPage(flow);
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(page),
        });
        res.end(method === 'HEAD' ? undefined : page);
        return true;
      }

      const executor = EXECUTOR_PATH.exec(url.pathname);
      if (!executor) return false;
      if (method !== 'GET' && method !== 'POST') {
        sendJson(res, 405, { detail: `Method "${method}" not allowed.` });
        return true;
      }
      const flow = await backend.findFlow(decodeURIComponent(executor[1] ?? ''));
      if (!flow) {
        sendJson(res, 404, { detail: 'Not found.' });
        return true;
      }
      const session = sessions.ensure(req, res);
      session.flowQuery = new URLSearchParams(url.searchParams.get('query') ?? '');
      const selfUrl = `${url.pathname}${url.search}`;

      const accessDenied = (message: string, plan: FlowPlan | null): true => {
        session.plan = null;
        sendJson(res, 200, {
          flow_info: flowInfo(flow, plan),
          component: 'ak-stage-access-denied',
          pending_user: plan?.pendingUser?.identifier ?? '',
          pending_user_avatar: DEFAULT_AVATAR,
          error_message: message,
        });
        return true;
      };

      const flowDone = (plan: FlowPlan): true => {
        session.plan = null;
        const next = session.flowQuery.get('next') ?? '/';
        if (isAbsoluteUrl(next)) return accessDenied('Invalid next URL', plan);
        sendJson(res, 200, { component: 'xak-flow-redirect', to: next });
        return true;
      };

      // After a stage passes Authentik redirects to the executor again, or finishes the flow.
      const stageOk = (plan: FlowPlan): true => {
        plan.stages.shift();
        if (plan.stages.length > 0) {
          sendRedirect(res, selfUrl);
          return true;
        }
        return flowDone(plan);
      };

      let plan = session.plan?.flowSlug === flow.slug ? session.plan : null;
      if (!plan) {
        const planned = await planFor(flow, session);
        if ('denied' in planned) return accessDenied(planned.denied, null);
        plan = planned;
        session.plan = plan;
      }

      const stage = plan.stages[0];
      if (stage === undefined) return flowDone(plan);

      // Stages without a challenge run on any request, as Authentik's StageView does.
      if (stage === 'user_login') {
        const user = plan.pendingUser?.user;
        if (!user) return accessDenied('Unknown error', plan);
        if (!user.isActive) return accessDenied('User account is inactive', plan);
        session.userPk = user.pk;
        session.authTime = Math.floor(Date.now() / 1000);
        return stageOk(plan);
      }
      if (stage === 'user_logout') {
        session.userPk = null;
        session.authTime = null;
        return stageOk(plan);
      }
      if (stage === 'fulfillment') {
        session.plan = null;
        try {
          const to = await (plan.fulfil ?? (async () => '/'))();
          sendJson(res, 200, { component: 'xak-flow-redirect', to });
          return true;
        } catch (error) {
          return accessDenied(error instanceof Error ? error.message : 'Unknown error', plan);
        }
      }

      // An expiring consent stage passes without asking while the user's consent for the same
      // permissions stands (ConsentStageView.get); other permissions are asked as additional.
      const consent = plan.consent;
      let additional: { id: string; name: string }[] = [];
      if (stage === 'consent' && consent?.mode === 'expiring' && consent.userPk !== undefined) {
        const standing = consents.standing(consent.userPk, consent.applicationSlug ?? '');
        if (standing) {
          const requested = consent.permissions.map((p) => p.id);
          if (requested.length === standing.size && requested.every((id) => standing.has(id))) {
            return stageOk(plan);
          }
          additional = consent.permissions.filter((p) => !standing.has(p.id));
        }
      }

      if (method === 'GET') {
        sendJson(res, 200, { ...challengeFor(stage, flow, plan), ...extra(additional) });
        return true;
      }

      if (session.userPk !== null) {
        const failure = csrfFailure(req);
        if (failure) {
          sendJson(res, 403, { detail: failure });
          return true;
        }
      }
      const mediaType = unsupportedMediaType(req);
      if (mediaType) {
        sendJson(res, 415, { detail: `Unsupported media type "${mediaType}" in request.` });
        return true;
      }
      const body = await readBody(req);
      if (body === 'invalid') {
        sendJson(res, 400, { non_field_errors: ['Invalid request body.'] });
        return true;
      }
      const expected = COMPONENTS[stage];
      if (body.component !== undefined && body.component !== expected) {
        sendJson(res, 400, { component: [`This flow is at ${expected}, not ${String(body.component)}.`] });
        return true;
      }
      const invalid = (errors: Record<string, { string: string; code: string }[]>): true => {
        sendJson(res, 200, { ...challengeFor(stage, flow, plan), response_errors: errors });
        return true;
      };
      const text = (value: unknown): string => (typeof value === 'string' ? value : '');

      switch (stage) {
        case 'identification': {
          const identifier = text(body.uid_field);
          if (identifier === '') {
            return invalid({
              non_field_errors: [errorDetail('No identification data provided.', 'invalid')],
            });
          }
          // Authentik's default identification stage pretends an unknown user exists, so the
          // password stage answers the same way for a wrong user and a wrong password.
          plan.pendingUser = { identifier, user: (await backend.findUserByIdentifier(identifier)) ?? null };
          return stageOk(plan);
        }
        case 'password': {
          if (!('password' in body) || body.password === null) {
            return invalid({ password: [errorDetail('This field is required.', 'required')] });
          }
          const password = text(body.password);
          if (password === '')
            return invalid({ password: [errorDetail('This field may not be blank.', 'blank')] });
          const user = plan.pendingUser?.user;
          // Django's ModelBackend refuses inactive users the same way as a wrong password.
          const valid = user?.isActive === true && (await backend.checkPassword(user.pk, password));
          if (!valid) {
            session.invalidPasswordTries += 1;
            if (session.invalidPasswordTries > FAILED_ATTEMPTS_BEFORE_CANCEL) {
              session.invalidPasswordTries = 0;
              return accessDenied('Unknown error', plan);
            }
            return invalid({ password: [errorDetail('Invalid password', 'invalid')] });
          }
          session.invalidPasswordTries = 0;
          return stageOk(plan);
        }
        case 'consent': {
          if (plan.consentToken === undefined || text(body.token) !== plan.consentToken) {
            return invalid({ token: [errorDetail('Invalid consent token, re-showing prompt', 'invalid')] });
          }
          if (consent?.mode === 'expiring' && consent.userPk !== undefined && consent.applicationSlug) {
            consents.grant(
              consent.userPk,
              consent.applicationSlug,
              consent.permissions.map((p) => p.id),
            );
          }
          return stageOk(plan);
        }
        default:
          return invalid({});
      }
    },
  };
}
