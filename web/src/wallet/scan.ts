/**
 * Scanning with the camera: getUserMedia, then a frame every SCAN_INTERVAL_MS through the
 * bundled decoder until a code is found or the payer stops. Headless tests cannot use a
 * camera; they paste or upload instead, which share everything after the decode.
 */
const SCAN_INTERVAL_MS = 300;
const FRAME_WIDTH_MAX = 960;

export function cameraAvailable(): boolean {
  return Boolean(navigator.mediaDevices?.getUserMedia) && window.isSecureContext;
}

export class Scanner {
  private stream: MediaStream | null = null;
  private timer = 0;
  private busy = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly found: (text: string) => void,
  ) {}

  async start(): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    this.video.srcObject = this.stream;
    await this.video.play();
    this.timer = window.setInterval(() => void this.scanFrame(), SCAN_INTERVAL_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  private async scanFrame(): Promise<void> {
    if (this.busy || this.video.videoWidth === 0) return;
    this.busy = true;
    try {
      const scale = Math.min(1, FRAME_WIDTH_MAX / this.video.videoWidth);
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(this.video.videoWidth * scale);
      canvas.height = Math.round(this.video.videoHeight * scale);
      const context = canvas.getContext("2d", { willReadFrequently: true });
      if (!context) return;
      context.drawImage(this.video, 0, 0, canvas.width, canvas.height);
      // Loaded on first use: the decoder and its WebAssembly are the heaviest part of the page.
      const { decodeQr } = await import("../shared/qr-decode");
      const text = await decodeQr(context.getImageData(0, 0, canvas.width, canvas.height));
      if (text) {
        this.stop();
        this.found(text);
      }
    } finally {
      this.busy = false;
    }
  }
}
