/**
 * Camera video in voice rooms: capture settings, simulcast encodings and which simulcast layer a
 * viewer asks the SFU for. Pure helpers, shared by the session and the view (and unit-tested).
 */

/** What a published stream carries (participant `streams[].source`). */
export type StreamSource = 'microphone' | 'camera' | 'screen';

/** Camera capture: 720p so that all three simulcast layers exist (Chromium drops layers below ~960×540). */
export const CAMERA_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } } as const;

/**
 * The three VP8 simulcast encodings the SFU knows as substreams 0 (lowest) to 2 (highest), listed
 * high to low with rids h/m/l as Janus expects them.
 */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'h', active: true, maxBitrate: 1_200_000, scaleResolutionDownBy: 1 },
  { rid: 'm', active: true, maxBitrate: 400_000, scaleResolutionDownBy: 2 },
  { rid: 'l', active: true, maxBitrate: 120_000, scaleResolutionDownBy: 4 },
];

/** Without simulcast: one encoding, capped for a camera in a group call. */
export const SINGLE_ENCODING: RTCRtpEncodingParameters[] = [{ maxBitrate: 1_000_000 }];

/**
 * The simulcast layer worth receiving for a tile `width` CSS pixels wide (on a screen of
 * `pixelRatio`): the lowest layer (¼ of 720p = 320 px) for thumbnails, the middle one for
 * mid-size tiles, the full one above. A hidden tile (width 0) takes the lowest layer.
 */
export function substreamForWidth(width: number, pixelRatio = 1): 0 | 1 | 2 {
  const px = width * pixelRatio;
  if (px <= 360) {
    return 0;
  }
  return px <= 720 ? 1 : 2;
}

export interface SubscribedStream {
  mid: string;
  feedId: number;
  feedMid: string;
}

/**
 * The source of a received stream: the subscriber mid names the publisher's feed and mid (from the
 * SFU), and the publisher's participant entry says what that mid carries. Null when unknown yet.
 */
export function sourceOf(
  subscriberMid: string,
  streams: ReadonlyMap<string, SubscribedStream>,
  participants: ReadonlyArray<{ feedId: number; streams: ReadonlyArray<{ mid: string; source?: string }> }>,
): StreamSource | null {
  const s = streams.get(subscriberMid);
  if (!s) {
    return null;
  }
  const publisher = participants.find((p) => p.feedId === s.feedId);
  const source = publisher?.streams.find((x) => x.mid === s.feedMid)?.source;
  return source === 'camera' || source === 'screen' || source === 'microphone' ? source : null;
}
