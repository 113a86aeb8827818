/** CPU twins run on either precision: f64 for finite-difference proofs, f32 to mirror the GPU. */
export type Floats = Float32Array | Float64Array;
