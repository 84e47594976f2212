/** The voltage-axis markers both viewer modes draw: VR, VF, and V* where it is known. */
import { describe, expect, it } from 'vitest';
import { voltageMarkers } from '../../src/render/canvas/axes';

describe('voltageMarkers', () => {
  it('gives VR, VF and V*, leaving out what the params or the activity do not define', () => {
    expect(voltageMarkers({ VR: 0.2, VF: 1 }, 0.6).map((m) => [m.label, m.at])).toEqual([['VR', 0.2], ['VF', 1], ['V*', 0.6]]);
    expect(voltageMarkers({ VR: 0.2, VF: 1 }, null).map((m) => m.label)).toEqual(['VR', 'VF']);
    expect(voltageMarkers({ VR: 0.2 }, Number.NaN).map((m) => m.label)).toEqual(['VR']);
    expect(voltageMarkers({ VR: '0.2', VF: 1 }, 0.5).map((m) => m.label)).toEqual(['VF', 'V*']);
  });
});
