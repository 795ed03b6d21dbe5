/**
 * QR decoding in the browser with zxing-wasm (ZXing-C++ compiled to WebAssembly: the same
 * engine the gateway's own image reader uses). The .wasm file is bundled by the build and
 * served from this origin; the library's default of fetching it from a CDN is overridden.
 * It is fetched only when the first image is decoded.
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions } from "zxing-wasm/reader";
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
  },
});

const OPTIONS: ReaderOptions = { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 };

/** The text of the first QR code in an image file or a video frame, or null if none. */
export async function decodeQr(input: Blob | ImageData): Promise<string | null> {
  const results = await readBarcodes(input, OPTIONS);
  const found = results.find((result) => result.isValid && result.text);
  return found ? found.text : null;
}
