import { findProvider } from '@pydantic/genai-prices';
import { priceTableProviderIds } from './pricer';

/**
 * The models the bundled price table lists for one of our providers, deprecated ones left out,
 * for the model picker ("Switchyard: Toggle Models"). Empty for providers the table does not
 * know (custom ones, DeepInfra, local servers).
 */
export function priceTableModels(providerId: string): string[] {
  const tableId = priceTableProviderIds[providerId];
  if (tableId === undefined) return [];
  const table = findProvider({ providerId: tableId });
  if (table === undefined || table.id !== tableId) return [];
  return table.models.filter((model) => model.deprecated !== true).map((model) => model.id);
}
