// Authentik's lists come in pages ({pagination, results}); a lookup that read only the first page
// would miss objects once an instance holds more than a page of them, and create duplicates.
import type { AuthentikClient } from './client.ts';
import type { components, paths } from './schema.d.ts';

type Pagination = components['schemas']['Pagination'];
type GetOf<P extends keyof paths> = paths[P] extends { get: infer Operation } ? Operation : never;
type BodyOf<Operation> = Operation extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

/** The paths whose GET answers a paginated list. */
export type ListPath = {
  [P in keyof paths]: BodyOf<GetOf<P>> extends { pagination: Pagination; results: unknown[] } ? P : never;
}[keyof paths];

/** The filters a list accepts, without the page controls this helper owns. */
export type ListQuery<P extends ListPath> = Omit<
  NonNullable<GetOf<P> extends { parameters: { query?: infer Q } } ? Q : never>,
  'page' | 'page_size'
>;

export type ListItem<P extends ListPath> =
  BodyOf<GetOf<P>> extends { results: (infer Item)[] } ? Item : never;

const PAGE_SIZE = 100;

/** Every object of a list, following `pagination.next` (0 when there is no next page) to the end. */
export async function listAll<P extends ListPath>(
  client: AuthentikClient,
  path: P,
  query?: ListQuery<P>,
): Promise<ListItem<P>[]> {
  const items: ListItem<P>[] = [];
  let page = 1;
  for (;;) {
    // The path and query are checked by the signature above; openapi-fetch cannot follow a generic path.
    const { data } = await client.api.GET(
      path as '/core/groups/',
      {
        params: { query: { ...query, page, page_size: PAGE_SIZE } },
      } as never,
    );
    const body = data as unknown as { pagination: Pagination; results: ListItem<P>[] } | undefined;
    if (!body) throw new Error(`Authentik GET ${path} answered without a list`);
    items.push(...body.results);
    const next = body.pagination.next;
    if (!next) return items;
    // A `next` that does not move forward would loop for ever.
    if (next <= page) throw new Error(`Authentik GET ${path} page ${page} points back to page ${next}`);
    page = next;
  }
}
