/** Every page of a paginated call, in order: the token of each page asks for the next. */
export async function allPages<P>(fetch: (token: string | undefined) => Promise<P>, next: (page: P) => string | undefined): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    pages.push(page);
    token = next(page);
  } while (token);
  return pages;
}

export function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
