/** What may be shown of a secret: its last four characters. */
export function lastFour(secret: string): string {
  return secret.length <= 4 ? '…' : `…${secret.slice(-4)}`;
}
