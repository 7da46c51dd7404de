import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../workflows/definitions';

/**
 * Registers the project's search attributes on a self-hosted cluster (the dev server gets them on its
 * command line). On Temporal Cloud the operator API refuses: register them in the Cloud UI or tcld;
 * the error says so instead of being swallowed.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_DECLARATIONS.filter((sa) => !(sa.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  } catch (err) {
    throw new Error(
      `could not register search attributes ${missing.map((m) => m.name).join(', ')} in namespace ${namespace} ` +
        `(on Temporal Cloud, add them as Keyword attributes in the namespace settings): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return missing.map((m) => m.name);
}
