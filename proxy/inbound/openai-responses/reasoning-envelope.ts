import type { ProviderOptions, ReasoningPart } from '../../core/request';

/**
 * Marks an `encrypted_content` that Switchyard wrote, not OpenAI. Codex (and any client that
 * resends output items) keeps a reasoning item's `encrypted_content` byte for byte and drops
 * everything else it does not know. When the reasoning came from another provider, that field
 * is the only place its proof of origin (an Anthropic thinking `signature`, redacted thinking
 * data) can survive the round trip through the client; without it Anthropic rejects the next
 * turn of a tool-using conversation with thinking enabled.
 */
const envelopePrefix = 'swy1.';

interface Envelope {
  signature?: string;
  redactedData?: string;
  providerOptions?: Omit<ProviderOptions, 'openai'>;
}

/** The reasoning state of another provider, sealed into an `encrypted_content` value. */
export function sealReasoning(
  signature: string | undefined,
  redactedData: string | undefined,
  providerOptions: ProviderOptions | undefined,
): string | undefined {
  const envelope: Envelope = {};
  let empty = true;
  if (signature !== undefined) {
    envelope.signature = signature;
    empty = false;
  }
  if (redactedData !== undefined) {
    envelope.redactedData = redactedData;
    empty = false;
  }
  if (providerOptions && (providerOptions.anthropic || providerOptions.gemini)) {
    const others: Omit<ProviderOptions, 'openai'> = {};
    if (providerOptions.anthropic) others.anthropic = providerOptions.anthropic;
    if (providerOptions.gemini) others.gemini = providerOptions.gemini;
    envelope.providerOptions = others;
    empty = false;
  }
  if (empty) return undefined;
  return envelopePrefix + Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

/**
 * Opens an `encrypted_content` that `sealReasoning` wrote, filling the reasoning part's
 * signature, redacted data and provider options. Returns false for OpenAI's own content.
 */
export function openReasoning(encryptedContent: string, part: ReasoningPart): boolean {
  if (!encryptedContent.startsWith(envelopePrefix)) return false;
  let envelope: unknown;
  try {
    envelope = JSON.parse(Buffer.from(encryptedContent.slice(envelopePrefix.length), 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (typeof envelope !== 'object' || envelope === null) return false;
  const fields = envelope as Envelope;
  if (typeof fields.signature === 'string') part.signature = fields.signature;
  if (typeof fields.redactedData === 'string') part.redactedData = fields.redactedData;
  if (typeof fields.providerOptions === 'object' && fields.providerOptions !== null) {
    part.providerOptions = { ...part.providerOptions, ...fields.providerOptions };
  }
  return true;
}
