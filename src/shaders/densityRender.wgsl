// Draws p(v, g) straight from the solver's state buffer (no copy to the CPU, no texture upload): one
// triangle covers the viewport (the plot rectangle), each fragment reads the cell it falls in, v to the
// right and g upward, and maps it through the colour scale to a 256-entry colour map. Requires
// densityRange.wgsl's output for the automatic range.

const F32_MAX: f32 = 0x1.fffffep+127f;

struct DensityView {
  nv: u32,
  ng: u32,
  logScale: u32,           // 1: colour by log p
  autoRange: u32,          // 1: the range of the current frame (rangeOf), [0, max] (log: below); 2: its [min, max]; 0: [lo, hi]
  lo: f32,
  hi: f32,
  logFloor: f32,           // log scale, automatic range: lo = max(smallest positive p, logFloor * max p)
  _pad: f32,
}

@group(0) @binding(0) var<uniform> view: DensityView;
@group(0) @binding(1) var<storage, read> density: array<f32>;
@group(0) @binding(2) var<storage, read> rangeOf: vec4f;
// the colour map: 256 entries of (r, g, b, 1) in [0, 1] (src/render/colormaps.ts)
@group(0) @binding(3) var<uniform> colorMap: array<vec4f, 256>;

struct Fragment {
  @builtin(position) position: vec4f,
  @location(0) uv: vec2f,
}

// (0, 0), (2, 0), (0, 2) in uv: a triangle whose [0, 1]² part is the viewport.
@vertex
fn coverViewport(@builtin(vertex_index) k: u32) -> Fragment {
  let uv = vec2f(f32((k << 1u) & 2u), f32(k & 2u));
  return Fragment(vec4f(2.0 * uv - 1.0, 0.0, 1.0), uv);
}

// The colour-scale range [lo, hi] of this frame; the host mirrors it for the colour bar (colorScaleRange).
fn scaleRange() -> vec2f {
  if (view.autoRange == 0u) {
    return vec2f(view.lo, view.hi);
  }
  if (view.autoRange == 2u) {
    return vec2f(rangeOf.z, rangeOf.x);
  }
  let hi = max(rangeOf.x, 1e-30);
  if (view.logScale == 1u) {
    return vec2f(max(min(rangeOf.y, hi), view.logFloor * hi), hi);
  }
  return vec2f(0.0, hi);
}

@fragment
fn colorDensity(in: Fragment) -> @location(0) vec4f {
  let i = min(u32(in.uv.x * f32(view.nv)), view.nv - 1u);
  let j = min(u32(in.uv.y * f32(view.ng)), view.ng - 1u);
  let p = density[j * view.nv + i];
  // NaN fails every comparison and ±Inf exceeds every f32: both are drawn white, as in the PNGs
  if (!(abs(p) <= F32_MAX)) {
    return vec4f(1.0);
  }
  let r = scaleRange();
  var s: f32;
  if (view.logScale == 1u) {
    s = (log(max(p, r.x)) - log(r.x)) / max(log(r.y) - log(r.x), 1e-30);
  } else {
    s = (p - r.x) / max(r.y - r.x, 1e-30);
  }
  return colorMap[u32(round(clamp(s, 0.0, 1.0) * 255.0))];
}
