/**
 * Follows `nextToken` to the last page. Unlike the SDK's paginators, which reuse one input
 * object for every page, each request here gets its own input.
 */
export async function* nextTokenPages<T extends { nextToken?: string | undefined }>(
  fetch: (nextToken: string | undefined) => Promise<T>,
): AsyncGenerator<T> {
  let nextToken: string | undefined;
  do {
    const page = await fetch(nextToken);
    yield page;
    nextToken = page.nextToken;
  } while (nextToken);
}
