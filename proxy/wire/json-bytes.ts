/**
 * The bytes of JSON's structure, for the scans that read a body or a chunk without parsing it
 * (inbound/json-scan.ts, wire/client-bytes.ts, providers/openai-chat/read-chunk.ts). In the wire
 * layer because inbound and providers may not import each other.
 */
export const quote = 0x22;
export const backslash = 0x5c;
export const openBrace = 0x7b;
export const closeBrace = 0x7d;
export const openBracket = 0x5b;
export const closeBracket = 0x5d;
export const comma = 0x2c;
export const colon = 0x3a;
