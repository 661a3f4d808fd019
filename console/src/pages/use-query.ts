import { useCallback, useEffect, useState } from 'preact/hooks';
import { gql } from '../api';

/** One GraphQL query's data or error, and a way to run it again. */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const key = JSON.stringify(variables);
  const reload = useCallback(() => {
    gql<T>(query, variables).then((d) => { setData(d); setError(''); }, (e: Error) => setError(e.message));
  }, [query, key]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}
