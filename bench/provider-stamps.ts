/**
 * The fake provider's stamps (`fake-upstream.ts`): for each streamed reply while recording, when
 * its request had arrived whole and when its last event was written, on the monotonic clock every
 * process on the machine shares (`process.hrtime`). With the client's own stamps of the same call
 * (`timedRequest`'s `sentNs` / `endedNs`), a call's whole time splits into the way in, the
 * provider's own time (its pacing: 25 events on 1 ms timers, each late by whatever the machine
 * is doing) and the way out; the way in plus the way out is what a proxy adds, the pacing taken out.
 */
import { request } from 'undici';

export interface ProviderStamps {
  arrivedNs: number;
  /** When the head and the first event were written: the first byte's way out starts here. */
  firstWriteNs: number;
  lastWriteNs: number;
}

/** Starts recording (and forgets what was recorded): every streamed reply from now on is stamped. */
export async function startStamping(upstreamUrl: string): Promise<void> {
  const reply = await request(`${upstreamUrl}/stamps`, { method: 'POST' });
  await reply.body.dump();
}

/** The stamps since `startStamping`, in the order the requests arrived; recording stops. */
export async function readStamps(upstreamUrl: string): Promise<ProviderStamps[]> {
  const reply = await request(`${upstreamUrl}/stamps`);
  return (await reply.body.json()) as ProviderStamps[];
}

/** Milliseconds a call spent outside the provider's own time: the way in plus the way out. */
export function outsideProviderMs(call: { sentNs: number; endedNs: number }, stamps: ProviderStamps): number {
  return (stamps.arrivedNs - call.sentNs + (call.endedNs - stamps.lastWriteNs)) / 1e6;
}
