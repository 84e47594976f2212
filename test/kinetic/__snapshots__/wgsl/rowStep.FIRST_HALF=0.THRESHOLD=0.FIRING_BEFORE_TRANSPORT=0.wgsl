// The two row halves of a Strang step, one workgroup per g-row (row j = workgroup_id.x):
//   vc            first half:  F(dt/2) then T(dt/2)      second half:  T(dt/2) then F(dt/2)
//   vc-threshold  first half:  T(dt/2), outflow at VF    second half:  T(dt/2), outflow at VF
//                 re-enters at VL (cell 0) with its g    re-enters at VL
// F is the exact exponential loss p <- p e^{-phi dt/2}; the lost mass of the row, N(t,g) integrated over
// the substep, is reinjected in the cell holding VR. The lost part of a cell is p - p*s with the same
// f32 survival factor s, not p times a separately rounded loss fraction: by Sterbenz's lemma the
// subtraction is exact for s >= 1/2, so survived + lost = p exactly and firing adds no mass bias. Each half also writes the row sums the g-step and
// the diagnostics need (rowStats), reduced in a fixed tree order.
// Variants (wgsl-preprocessor): FIRST_HALF, THRESHOLD.
// Requires bindings.wgsl, reduce.wgsl, vTransport.wgsl.

var<private> rowBase: u32;
var<private> rowLost: f32;

fn sourceValue(k: i32) -> f32 {
  let value = src[rowBase + u32(k)];

  return value;

}

@compute @workgroup_size(WG)
fn rowStep(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = wid.x;
  let nv = params.nv;
  rowBase = j * nv;
  rowLost = 0.0;
  let row = rowCoefficients(j);



  // (lost in the second-half firing, sum of phi * p, sum of p) over this invocation's cells
  var partial = vec4f(0.0);
  for (var i = lid; i < nv; i = i + WG) {
    let transported = transportedCell(i32(i), row.x, row.y, i32(nv));

    let cell = cellCoefficients(i);
    let survived = transported * cell.y;
    dst[rowBase + i] = survived;
    partial = partial + vec4f(transported - survived, cell.x * survived, survived, 0.0);

  }


  storageBarrier();
  let sums = workgroupSum(lid, partial);
  if (lid == 0u) {

    // F(dt/2) after the transport: the row's lost mass goes to the cell of VR.
    let k = params.reinjectCell;
    dst[rowBase + k] = dst[rowBase + k] + sums.x;
    let phiR = cellCoefficients(k).x;
    rowStats[j] = vec4f(rowStats[j].x, 0.0, (sums.y + phiR * sums.x) * params.dv, (sums.z + sums.x) * params.dv);

  }

}
