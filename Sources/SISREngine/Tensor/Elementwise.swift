import Foundation

// Elementwise operations. Each output element is computed independently, so chunking over threads
// cannot change a result.

extension Tensor {
    /// Applies `f` to every element.
    public func map(_ f: (Float) -> Float) -> Tensor {
        Tensor.filled(shape: shape) { out in
            data.withUnsafeBufferPointer { src in
                Compute.forEachChunk(count: src.count) { r in
                    for i in r { out[i] = f(src[i]) }
                }
            }
        }
    }

    /// Combines two tensors of the same shape element by element.
    public func zip(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "elementwise op on shapes \(shape) and \(other.shape)")
        return Tensor.filled(shape: shape) { out in
            data.withUnsafeBufferPointer { a in
                other.data.withUnsafeBufferPointer { b in
                    Compute.forEachChunk(count: a.count) { r in
                        for i in r { out[i] = f(a[i], b[i]) }
                    }
                }
            }
        }
    }

    /// Applies `f(value, channel)` to every element of an NCHW tensor.
    package func mapChannels(_ f: (Float, Int) -> Float) -> Tensor {
        let (n, c, h, w) = nchw
        let plane = h * w
        return Tensor.filled(shape: shape) { out in
            data.withUnsafeBufferPointer { src in
                Compute.forEachWorker(items: n * c) { _, items in
                    for p in items {
                        let ch = p % c, base = p * plane
                        for i in base..<(base + plane) { out[i] = f(src[i], ch) }
                    }
                }
            }
        }
    }
}

/// ReLU: `max(x, 0)`.
public func relu(_ x: Tensor) -> Tensor { x.map { $0 > 0 ? $0 : 0 } }

/// PyTorch LeakyReLU: `x` if `x >= 0`, else `slope * x`.
public func leakyReLU(_ x: Tensor, slope: Float) -> Tensor { x.map { $0 >= 0 ? $0 : $0 * slope } }

/// Logistic sigmoid `1 / (1 + exp(-x))`.
public func sigmoid(_ x: Tensor) -> Tensor { x.map { DMath.sigmoid($0) } }

/// `a + b * scale` (default `a + b`), same shapes: the residual update `identity + out * res_scale` of
/// the reference code (the product is rounded to float before the sum, as in PyTorch). The result is
/// written into `b`'s storage when the caller hands over a temporary.
public func add(_ a: Tensor, _ b: consuming Tensor, scaledBy scale: Float = 1) -> Tensor {
    precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape)")
    var out = b
    a.data.withUnsafeBufferPointer { pa in
        out.data.withUnsafeMutableBufferPointer { po in
            Compute.forEachChunk(count: po.count) { r in
                if scale == 1 {
                    for i in r { po[i] = pa[i] + po[i] }
                } else {
                    for i in r { po[i] = pa[i] + po[i] * scale }
                }
            }
        }
    }
    return out
}

/// Adds `bias[c]` to every element of channel `c` of an NCHW tensor.
public func addBias(_ x: Tensor, _ bias: Tensor) -> Tensor {
    precondition(bias.count == x.nchw.c, "addBias: \(bias.count) values for \(x.nchw.c) channels")
    let b = bias.data
    return x.mapChannels { v, c in v + b[c] }
}

/// Multiplies channel `c` of an NCHW tensor by `s[n, c]` (`s` shaped `[N, C]` or `[N, C, 1, 1]`):
/// the broadcast of channel attention.
public func multiplyChannels(_ x: consuming Tensor, by s: Tensor) -> Tensor {
    let (n, c, h, w) = x.nchw
    precondition(s.count == n * c, "multiplyChannels: \(s.count) factors for \(n)x\(c) channels")
    let plane = h * w
    var out = x
    out.data.withUnsafeMutableBufferPointer { po in
        Compute.forEachWorker(items: n * c) { _, items in
            for p in items {
                let f = s.data[p], base = p * plane
                for i in base..<(base + plane) { po[i] *= f }
            }
        }
    }
    return out
}

/// Global average pool of an NCHW tensor: `[N, C, 1, 1]`, each the mean over H x W (summed in double,
/// element 0, 1, ... in order). Planes are split over the workers, eight side by side per item (eight
/// independent sums in flight rather than one chain; each sum's order is unchanged).
public func globalAveragePool(_ x: Tensor) -> Tensor {
    let (n, c, h, w) = x.nchw
    let plane = h * w, planes = n * c
    return Tensor.filled(shape: [n, c, 1, 1]) { out in
        x.data.withUnsafeBufferPointer { src in
            Compute.forEachWorker(items: (planes + 7) / 8) { _, items in
                for item in items {
                    let p0 = 8 * item
                    guard p0 + 8 <= planes else {
                        for p in p0..<planes {
                            var sum = 0.0
                            for i in (p * plane)..<((p + 1) * plane) { sum += Double(src[i]) }
                            out[p] = Float(sum / Double(plane))
                        }
                        continue
                    }
                    let a = src.baseAddress! + p0 * plane
                    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
                    for i in 0..<plane {
                        s0 += Double(a[i]); s1 += Double(a[plane + i])
                        s2 += Double(a[2 * plane + i]); s3 += Double(a[3 * plane + i])
                        s4 += Double(a[4 * plane + i]); s5 += Double(a[5 * plane + i])
                        s6 += Double(a[6 * plane + i]); s7 += Double(a[7 * plane + i])
                    }
                    for (k, sum) in [s0, s1, s2, s3, s4, s5, s6, s7].enumerated() { out[p0 + k] = Float(sum / Double(plane)) }
                }
            }
        }
    }
}

/// `a + (b * s[n, c]) * scale` (`a + b * s[n, c]` when `scale` is 1) in one pass: the residual around
/// channel attention, the same bits as `add(a, multiplyChannels(b, by: s), scaledBy: scale)` (each
/// product rounded to float before the next operation). Written into `b`'s storage when the caller
/// hands over a temporary.
public func addScaledChannels(_ a: Tensor, _ b: consuming Tensor, channelScales s: Tensor, scaledBy scale: Float = 1) -> Tensor {
    precondition(a.shape == b.shape, "addScaledChannels: shapes \(a.shape) and \(b.shape)")
    let (n, c, h, w) = b.nchw
    precondition(s.count == n * c, "addScaledChannels: \(s.count) factors for \(n)x\(c) channels")
    let plane = h * w
    var out = b
    a.data.withUnsafeBufferPointer { pa in
        out.data.withUnsafeMutableBufferPointer { po in
            s.data.withUnsafeBufferPointer { ps in
                Compute.forEachWorker(items: n * c) { _, items in
                    for p in items {
                        let f = ps[p], x = pa.baseAddress! + p * plane, y = po.baseAddress! + p * plane
                        if scale == 1 {
                            for i in 0..<plane { y[i] = x[i] + y[i] * f }
                        } else {
                            for i in 0..<plane { y[i] = x[i] + (y[i] * f) * scale }
                        }
                    }
                }
            }
        }
    }
    return out
}

/// The mean shift of EDSR-family networks: a per-pixel affine map of the RGB vector,
/// `out = (matrix * (x * inScale) + bias) * outScale`, with `matrix` 3x3 row-major (nil = identity).
///
/// BasicSR's `(x - mean) * img_range` is `MeanShift.subtract(mean:range:)`, and `x / img_range + mean`
/// is `MeanShift.add(mean:range:)`; the official EDSR-PyTorch `sub_mean`/`add_mean` 1x1 convolutions
/// are the general form.
public struct MeanShift: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// `(x - mean) * range`
        case subtract(mean: [Float], range: Float)
        /// `x / range + mean`
        case add(mean: [Float], range: Float)
        /// `(matrix * (x * inScale) + bias) * outScale`
        case affine(matrix: [Float], bias: [Float], inScale: Float, outScale: Float)
    }

    public let form: Form

    public init(_ form: Form) { self.form = form }

    /// Applies the shift to an NCHW tensor with `C == 3`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        precondition(c == 3, "MeanShift expects 3 channels, got \(c)")
        switch form {
        case let .subtract(mean, range):
            return x.mapChannels { v, c in (v - mean[c]) * range }
        case let .add(mean, range):
            return x.mapChannels { v, c in v / range + mean[c] }
        case let .affine(matrix, bias, inScale, outScale):
            let plane = h * w
            return Tensor.filled(shape: x.shape) { out in
                x.data.withUnsafeBufferPointer { src in
                    for b in 0..<n {
                        let base = b * 3 * plane
                        for i in 0..<plane {
                            let r = src[base + i] * inScale
                            let g = src[base + plane + i] * inScale
                            let bl = src[base + 2 * plane + i] * inScale
                            for o in 0..<3 {
                                let v = matrix[o * 3] * r + matrix[o * 3 + 1] * g + matrix[o * 3 + 2] * bl + bias[o]
                                out[base + o * plane + i] = v * outScale
                            }
                        }
                    }
                }
            }
        }
    }
}
