// Every tolerance the tests use, with the reason for it.

/** CPU backward vs central finite differences, f64, h = 1e-6: truncation error ~h^2 and
 *  rounding ~1e-16/h = 1e-10 relative, so 1e-6 relative to the gradient's scale is tight. */
export const FD = { scale: 1e-6 } as const;

/** GPU forward vs the f64 twin on the same f32 inputs: f32 accumulation over at most a few
 *  thousand terms, errors ~sqrt(K) * 6e-8 relative to the output's scale. */
export const GPU_FORWARD = { scale: 1e-5 } as const;

/** GPU backward: longer reductions (over batch*pixels, up to ~12544 terms) and BatchNorm's
 *  subtraction of nearly equal sums; 1e-4 relative to the output's scale. */
export const GPU_BACKWARD = { scale: 1e-4 } as const;

/** Elementwise kernels with no reduction: a few ulps of f32 (tanh via exp on the GPU). */
export const GPU_ELEMENTWISE = { scale: 1e-6, atol: 1e-7 } as const;

/** Adam's move vs Keras' formula in f64 (issue 12): the bias correction is computed to a few
 *  ulps (shaders/adam.wgsl), m, v, sqrt and the division add a few more; 1e-6 of the move. */
export const ADAM_MOVE = { scale: 1e-6 } as const;
