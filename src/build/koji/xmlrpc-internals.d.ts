// npm xmlrpc's parser and writer, used on their own where its client cannot go: the hub's raw
// upload endpoint answers XML-RPC to a POST of bytes (and the test hub parses calls with them).
declare module 'xmlrpc/lib/deserializer.js' {
  import type { Readable } from 'node:stream';
  class Deserializer {
    constructor(encoding?: string);
    deserializeMethodResponse(stream: Readable, callback: (error: unknown, value: unknown) => void): void;
    deserializeMethodCall(
      stream: Readable,
      callback: (error: unknown, method: string, params: unknown[]) => void,
    ): void;
  }
  export default Deserializer;
}

declare module 'xmlrpc/lib/serializer.js' {
  export function serializeMethodResponse(value: unknown): string;
  export function serializeFault(fault: { faultCode: number; faultString: string }): string;
}
