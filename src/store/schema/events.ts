// Row types of the events tables. Row types stay inside store/: repositories return domain objects.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventsTables {}
