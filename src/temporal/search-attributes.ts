import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../workflows/definitions';

/**
 * Registers the project's search attributes on a self-hosted cluster (the dev server gets them on its
 * command line). On Temporal Cloud the operator API refuses: register them in the Cloud UI or tcld;
 * the error says so instead of being swallowed.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let registered: Record<string, unknown> = {};
  try {
    registered = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    // The time-skipping test server cannot list them but does accept new ones.
    if ((err as { code?: number }).code !== 12 /* UNIMPLEMENTED */) throw err;
  }
  const missing = SEARCH_ATTRIBUTE_DECLARATIONS.filter((sa) => !(sa.name in registered));
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
