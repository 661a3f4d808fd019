import { Field, ObjectType } from 'type-graphql';

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field() hasNextPage!: boolean;
}

/** A Relay-style connection's fields from one page of nodes. */
export function toConnection<T>(nodes: T[], page: { endCursor: string | null; hasNextPage: boolean }): { nodes: T[]; edges: { node: T }[]; pageInfo: PageInfo } {
  return { nodes, edges: nodes.map((node) => ({ node })), pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage } };
}
