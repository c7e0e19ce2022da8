// Row types of the plans tables. Row types stay inside store/: repositories return domain objects.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PlansTables {}
