// v-transport: conservative semi-Lagrangian remap along the exact characteristics of the linear
// velocity u(v,g) = G (V* - v). New cell i receives the integral of the limited linear reconstruction
// of the source row over its backward foot interval [X(v_{i-1/2}), X(v_{i+1/2})]; the feet of all cells
// tile the domain, so mass is conserved, and each piece is the integral of a non-negative linear
// function, so positivity holds. For Courant numbers <= 1 this is the flux-limited (MUSCL-Hancock
// type) upwind scheme; it stays stable and conservative for any dt. Reference: docs/scheme.md and
// src/models/reference/kineticReference.ts (transportRow), its f64 twin.
//
// The including kernel provides `fn sourceValue(k: i32) -> f32`, the value of source cell k of the
// current row (it may apply the firing substep on the fly).

// Monotonized-central limited slope, in value per cell width; zero in the boundary cells.
fn limitedSlope(k: i32, nv: i32) -> f32 {
  if (k <= 0 || k >= nv - 1) {
    return 0.0;
  }
  let center = sourceValue(k);
  let dl = center - sourceValue(k - 1);
  let dr = sourceValue(k + 1) - center;
  if (dl * dr <= 0.0) {
    return 0.0;
  }
  let s = min(min(2.0 * abs(dl), 0.5 * abs(dl + dr)), 2.0 * abs(dr));
  return select(-s, s, dl > 0.0);
}

// Integral of the reconstruction of cell k over the offsets [a, b] of the cell, in value * cells. The
// limited reconstruction is non-negative, so the clamp only removes f32 rounding of a vanishing piece.
fn pieceIntegral(k: i32, a: f32, b: f32, nv: i32) -> f32 {
  return max(0.0, (b - a) * (sourceValue(k) + limitedSlope(k, nv) * (0.5 * (a + b) - 0.5)));
}

struct Foot {
  cell: i32,
  frac: f32,
}

// Backward foot of face i: displacement (i + c) * gamma kept apart from the integer i, so the offset
// in the cell is exact to the rounding of a small number whatever nv is. Clipped to [0, nv].
fn faceFoot(i: i32, c: f32, gamma: f32, nv: i32) -> Foot {
  let d = (f32(i) + c) * gamma;
  let whole = floor(d);
  let cell = i + i32(whole);
  if (cell < 0) {
    return Foot(0, 0.0);
  }
  if (cell >= nv) {
    return Foot(nv, 0.0);
  }
  return Foot(cell, d - whole);
}

fn integrateBetween(lo: Foot, hi: Foot, nv: i32) -> f32 {
  var sum = 0.0;
  for (var k = lo.cell; k <= hi.cell && k < nv; k = k + 1) {
    let a = select(0.0, lo.frac, k == lo.cell);
    let b = select(1.0, hi.frac, k == hi.cell);
    if (b > a) {
      sum = sum + pieceIntegral(k, a, b, nv);
    }
  }
  return sum;
}

// New value of cell i after a transport step with row coefficients (c, gamma).
fn transportedCell(i: i32, c: f32, gamma: f32, nv: i32) -> f32 {
  return integrateBetween(faceFoot(i, c, gamma, nv), faceFoot(i + 1, c, gamma, nv), nv);
}

// Mass (value * cells) that leaves through the top face during the step: non-zero only where the
// velocity at the top points out (vc-threshold, g > gF).
fn outflowThroughTop(c: f32, gamma: f32, nv: i32) -> f32 {
  return integrateBetween(faceFoot(nv, c, gamma, nv), Foot(nv, 0.0), nv);
}
