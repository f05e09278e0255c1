/**
 * UTF-8 to and from bytes with the host's TextEncoder/TextDecoder (Node and browsers both have them), typed
 * here so common/ needs neither Node nor DOM types.
 */
interface HostText {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new () => { decode(b: Uint8Array): string };
}
const host = globalThis as unknown as HostText;
const encoder = new host.TextEncoder();
const decoder = new host.TextDecoder();

export const utf8Encode = (s: string): Uint8Array => encoder.encode(s);
/** Invalid sequences become U+FFFD, as TextDecoder does by default. */
export const utf8Decode = (b: Uint8Array): string => decoder.decode(b);
