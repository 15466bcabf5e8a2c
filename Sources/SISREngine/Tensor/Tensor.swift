/// A dense float32 tensor, row-major (NCHW for activations, OIHW for convolution weights, as PyTorch
/// stores them). A value type: copies share storage until written.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: \(data.count) values do not fill shape \(shape)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The same values under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }

    /// `(n, c, h, w)` of a rank-4 tensor.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(rank == 4, "expected an NCHW tensor, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// A tensor of the given shape whose storage is filled by `fill` (which must write every element).
    package static func filled(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let n = shape.reduce(1, *)
        let data = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            fill(buf)
            initialized = n
        }
        return Tensor(shape: shape, data: data)
    }
}

/// A flat name -> tensor map, as in a PyTorch `state_dict()`.
public typealias StateDict = [String: Tensor]
