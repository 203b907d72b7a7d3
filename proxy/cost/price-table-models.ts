import { findProvider, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import { priceTableProviderIds } from './pricer';

/** A model of the price table, with its list prices in USD per million tokens when it has them. */
export interface PriceTableModel {
  model: string;
  inputPrice?: number;
  outputPrice?: number;
}

/**
 * The models the bundled price table lists for one of our providers, deprecated ones left out,
 * for the model picker ("Switchyard: Toggle Models"). Empty for providers the table does not
 * know (custom ones, DeepInfra, local servers). Prices are read off the table, not computed
 * per model with calcPrice: OpenRouter alone lists ~700 models.
 */
export function priceTableModels(providerId: string): PriceTableModel[] {
  const tableId = priceTableProviderIds[providerId];
  if (tableId === undefined) return [];
  const table = findProvider({ providerId: tableId });
  if (table === undefined || table.id !== tableId) return [];
  return table.models.filter((info) => info.deprecated !== true).map(listPrices);
}

function listPrices(info: ModelInfo): PriceTableModel {
  // Dated prices are in order; the last one is the current list price (time-of-day discounts aside).
  const prices: ModelPrice | undefined = Array.isArray(info.prices) ? info.prices[info.prices.length - 1]?.prices : info.prices;
  const entry: PriceTableModel = { model: info.id };
  const input = basePrice(prices?.input_mtok);
  const output = basePrice(prices?.output_mtok);
  if (input !== undefined) entry.inputPrice = input;
  if (output !== undefined) entry.outputPrice = output;
  return entry;
}

/** A flat price, or a tiered one's first tier (what a typical prompt pays). */
function basePrice(price: ModelPrice[string]): number | undefined {
  if (typeof price === 'number') return price;
  if (price !== undefined && typeof price.base === 'number') return price.base;
  return undefined;
}
