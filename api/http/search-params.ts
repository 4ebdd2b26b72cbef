import { createGraphQLError, type Plugin } from 'graphql-yoga';

const FORM = 'application/x-www-form-urlencoded';

/** Whether Yoga reads this request's parameters from URL search parameters (query string or form body). */
function fromSearchParams(request: Request): boolean {
  if (request.method === 'GET') return true;
  const type = request.headers.get('content-type')?.split(',')[0]?.trim().toLowerCase() ?? '';
  return request.method === 'POST' && (type === FORM || type.startsWith(`${FORM};`));
}

/**
 * Yoga JSON.parses the `variables` and `extensions` of a GET or a form POST without catching:
 * the SyntaxError reached maskError as an INTERNAL_SERVER_ERROR. It is the client's request
 * that is wrong, answered 400 BAD_REQUEST as for a JSON body that does not parse. Only the
 * parser of these two forms is wrapped, so a SyntaxError from anywhere else stays internal.
 */
export function useSearchParamsJsonErrors(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser || !fromSearchParams(request)) return;
      const parse = requestParser;
      setRequestParser(async (r) => {
        try {
          return await parse(r);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw createGraphQLError('variables and extensions, when given, must be JSON', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}
