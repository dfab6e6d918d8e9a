//! Autoregressive modelling for the de-clicker: a model fitted to a stretch of audio predicts
//! each sample from the `order` before it; a click is what the model cannot predict, and a
//! repair is the run of samples the model finds most likely between the good ones.

/// Autocorrelation of `x` at lags `0..r.len()` (f64).
pub(super) fn autocorrelation(x: &[f64], r: &mut [f64]) {
    for (lag, out) in r.iter_mut().enumerate() {
        // Four running sums, so the loop vectorises (one sum would fix the order of adds).
        let (a, b) = (&x[lag..], &x[..x.len() - lag]);
        let mut acc = [0.0f64; 4];
        let (qa, qb) = (a.chunks_exact(4), b.chunks_exact(4));
        let tail: f64 = qa
            .remainder()
            .iter()
            .zip(qb.remainder())
            .map(|(p, q)| p * q)
            .sum();
        for (p, q) in qa.zip(qb) {
            for k in 0..4 {
                acc[k] += p[k] * q[k];
            }
        }
        *out = acc[0] + acc[1] + acc[2] + acc[3] + tail;
    }
}

/// Levinson-Durbin: the prediction-error filter `c` (`c[0] = 1`, `e[n] = sum c[k] x[n-k]`) of
/// order `c.len() - 1` for the autocorrelation `r`. `scratch` holds `c.len()` values. Returns
/// false (and the identity filter) when `r` is silent or not positive definite.
pub(super) fn levinson(r: &[f64], c: &mut [f64], scratch: &mut [f64]) -> bool {
    let order = c.len() - 1;
    c.fill(0.0);
    c[0] = 1.0;
    // A little white noise on the diagonal keeps the recursion well conditioned.
    let r0 = r[0] * (1.0 + 1e-9) + 1e-30;
    if r[0] <= 0.0 || !r0.is_finite() {
        return false;
    }
    let mut err = r0;
    for i in 1..=order {
        let mut acc = r[i];
        for k in 1..i {
            acc += c[k] * r[i - k];
        }
        let kappa = -acc / err;
        if !kappa.is_finite() || kappa.abs() >= 1.0 {
            c.fill(0.0);
            c[0] = 1.0;
            return false;
        }
        scratch[..=i].copy_from_slice(&c[..=i]);
        for k in 1..i {
            c[k] = scratch[k] + kappa * scratch[i - k];
        }
        c[i] = kappa;
        err *= 1.0 - kappa * kappa;
    }
    true
}

/// Solve `a x = b` for the symmetric positive-definite `n x n` matrix `a` (row-major, size
/// `stride`), in place by Cholesky: `b` becomes `x`. Returns false if `a` is not positive
/// definite (then `b` is unusable).
pub(super) fn cholesky_solve(a: &mut [f64], stride: usize, n: usize, b: &mut [f64]) -> bool {
    for j in 0..n {
        let mut d = a[j * stride + j];
        for k in 0..j {
            d -= a[j * stride + k] * a[j * stride + k];
        }
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let d = d.sqrt();
        a[j * stride + j] = d;
        for i in j + 1..n {
            let mut s = a[i * stride + j];
            for k in 0..j {
                s -= a[i * stride + k] * a[j * stride + k];
            }
            a[i * stride + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * stride + k] * b[k];
        }
        b[i] = s / a[i * stride + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * stride + i] * b[k];
        }
        b[i] = s / a[i * stride + i];
    }
    true
}
