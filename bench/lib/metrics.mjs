// Precision / recall / F1 over parallel arrays of 0/1 predictions and labels.
export function prf(pred, y) {
  let tp = 0, fp = 0, fn = 0, tn = 0
  for (let i = 0; i < y.length; i++) {
    if (pred[i] && y[i]) tp++
    else if (pred[i]) fp++
    else if (y[i]) fn++
    else tn++
  }
  const P = tp + fp ? tp / (tp + fp) : 0
  const R = tp + fn ? tp / (tp + fn) : 0
  return {P, R, F1: P + R ? (2 * P * R) / (P + R) : 0, tp, fp, fn, tn}
}
