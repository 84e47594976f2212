/**
 * Figures of several panels: PNGs stacked top to bottom into one (pureimage decodes them; widths may
 * differ, narrower panels are centred on white).
 */
import { Readable } from 'node:stream';
import { decodePNGFromStream } from 'pureimage';
import { encodePngRgb } from './encode';

export async function stackPngsVertically(pngs: readonly Uint8Array[]): Promise<Buffer> {
  const images = await Promise.all(pngs.map((png) => decodePNGFromStream(Readable.from([Buffer.from(png)]))));
  const width = Math.max(...images.map((im) => im.width));
  const height = images.reduce((h, im) => h + im.height, 0);
  const rgba = new Uint8Array(width * height * 4).fill(255);
  let top = 0;
  for (const im of images) {
    const left = Math.floor((width - im.width) / 2);
    for (let y = 0; y < im.height; y++) {
      rgba.set(im.data.subarray(y * im.width * 4, (y + 1) * im.width * 4), ((top + y) * width + left) * 4);
    }
    top += im.height;
  }
  return encodePngRgb(rgba, width, height);
}
