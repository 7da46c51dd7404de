import { useEffect, useState } from 'react';
import { api, errorMessage, type Schemas } from '../api';
import type { paths as Paths } from '../api-types';
import type { Definition, StepKind } from './model';

/**
 * What the builder asks the API while you edit, debounced: the save compiler's verdict on the graph
 * (POST /api/workflow-definitions/validate) and a template rendered for a lead of the list by the
 * engine's renderer (POST /api/templates/preview). The answer to an older request never replaces a newer one.
 */

export type Validation = Paths['/api/workflow-definitions/validate']['post']['responses'][200]['content']['application/json'];
export type Problem = Validation['problems'][number];
export type Preview = Paths['/api/templates/preview']['post']['responses'][200]['content']['application/json'];
export type { Schemas };

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function useValidation(def: Definition): { result: Validation | undefined; checking: boolean; error: string | null } {
  const debounced = useDebounced(def, 350);
  const [result, setResult] = useState<Validation | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [checked, setChecked] = useState<Definition | null>(null);
  useEffect(() => {
    let current = true;
    void api.POST('/api/workflow-definitions/validate', { body: { definition: debounced } }).then(({ data, error: err }) => {
      if (!current) return;
      if (data) {
        setResult(data);
        setError(null);
      } else setError(errorMessage(err, 'The sequence could not be checked'));
      setChecked(debounced);
    });
    return () => {
      current = false;
    };
  }, [debounced]);
  return { result, checking: checked !== def, error };
}

export function useTemplatePreview(input: { template: string; leadListId: string | null; leadId: string | null; stepKind: StepKind | undefined }) {
  const debounced = useDebounced(input, 300);
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const { template, leadListId, leadId, stepKind } = debounced;
  useEffect(() => {
    if (!leadListId) return undefined;
    let current = true;
    void api
      .POST('/api/templates/preview', { body: { template, leadListId, ...(leadId ? { leadId } : {}), ...(stepKind ? { stepKind } : {}) } })
      .then(({ data, error: err }) => {
        if (!current) return;
        setPreview(data);
        setError(data ? null : errorMessage(err, 'The preview could not be rendered'));
      });
    return () => {
      current = false;
    };
  }, [template, leadListId, leadId, stepKind]);
  return { preview, error, stale: debounced !== input };
}
