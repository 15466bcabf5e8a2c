import SRModels

/// Registers a module's parameters under a key prefix, as PyTorch names them
/// (`scope["body"][3]["conv1"]` -> `body.3.conv1.weight`).
public struct LayerScope {
    let list: ParameterList
    let prefix: String

    public init(_ list: ParameterList, prefix: String = "") {
        self.list = list
        self.prefix = prefix
    }

    public subscript(_ child: String) -> LayerScope { LayerScope(list, prefix: prefix + child + ".") }
    public subscript(_ index: Int) -> LayerScope { self[String(index)] }

    func parameter(_ name: String, _ shape: [Int], _ initialiser: Initialiser) -> Parameter {
        list.add(prefix + name, shape: shape, initialiser)
    }
}

/// A trainable `nn.Conv2d` (square kernel, zero padding).
public struct ConvLayer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Int

    /// `init` nil is PyTorch's default initialisation; otherwise BasicSR's `default_init_weights(scale)`
    /// (bias zero).
    init(_ s: LayerScope, in cin: Int, out cout: Int, kernel k: Int, stride: Int = 1, padding: Int? = nil, bias: Bool = true,
         basicSRScale: Float? = nil)
    {
        let fanIn = cin * k * k
        weight = s.parameter("weight", [cout, cin, k, k], basicSRScale.map { .kaiming(fanIn: fanIn, scale: $0) } ?? .pytorchDefault(fanIn: fanIn))
        self.bias = bias ? s.parameter("bias", [cout], basicSRScale == nil ? .pytorchDefault(fanIn: fanIn) : .constant(0)) : nil
        self.stride = stride
        self.padding = padding ?? k / 2
    }

    func callAsFunction(_ x: Variable) -> Variable {
        conv2d(x, weight: weight.variable, bias: bias?.variable, stride: stride, padding: padding)
    }
}

/// A trainable `nn.Linear`.
struct LinearLayer {
    let weight: Parameter, bias: Parameter

    init(_ s: LayerScope, in fin: Int, out fout: Int) {
        weight = s.parameter("weight", [fout, fin], .pytorchDefault(fanIn: fin))
        bias = s.parameter("bias", [fout], .pytorchDefault(fanIn: fin))
    }

    func callAsFunction(_ x: Variable) -> Variable { linear(x, weight: weight.variable, bias: bias.variable) }
}

/// A `nn.BatchNorm2d(affine=True)`: `weight` 1, `bias` 0, buffers `running_mean` 0, `running_var` 1,
/// `num_batches_tracked` 0.
struct BatchNormLayer {
    let weight: Parameter, bias: Parameter
    let state: BatchNormState

    init(_ s: LayerScope, channels c: Int) {
        weight = s.parameter("weight", [c], .constant(1))
        bias = s.parameter("bias", [c], .constant(0))
        state = BatchNormState(
            mean: s.list.addBuffer(s.prefix + "running_mean", value: Tensor(zeros: [c])),
            variance: s.list.addBuffer(s.prefix + "running_var", value: Tensor(shape: [c], data: [Float](repeating: 1, count: c))),
            count: s.list.addBuffer(s.prefix + "num_batches_tracked", value: Tensor(zeros: []), integer: 0))
    }

    func train(_ x: Variable) -> Variable {
        batchNormTrain(x, weight: weight.variable, bias: bias.variable, running: state)
    }

    func eval(_ x: Variable) -> Variable {
        batchNormEval(x, weight: weight.value, bias: bias.value, running: state)
    }
}

/// A network trained by this module: its parameters (PyTorch keys) and a differentiable forward pass.
public protocol TrainableNetwork: AnyObject {
    var parameters: ParameterList { get }
    func forward(_ x: Variable) -> Variable
}
