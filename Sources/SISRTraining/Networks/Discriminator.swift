import SRModels

/// BasicSR `VGGStyleDiscriminator(num_in_ch, num_feat, input_size)` (input 128 or 256): conv0_0 3x3 +
/// LeakyReLU 0.2; conv0_1 4x4/2 + BN; then per stage k = 1...4 (5 for 256) a 3x3 conv + BN and a 4x4/2
/// conv + BN (no biases), channels 2f, 4f, 8f, 8f; flatten 8f*4*4 -> linear1 100 -> LeakyReLU ->
/// linear2 1. Batch norm runs in training mode (batch statistics, running statistics updated), as
/// BasicSR keeps the discriminator in train mode.
public final class VGGStyleDiscriminator: TrainableNetwork {
    public let parameters: ParameterList
    public let inputSize: Int
    let conv00: ConvLayer
    let stages: [(conv: ConvLayer, bn: BatchNormLayer)]
    let linear1: LinearLayer, linear2: LinearLayer

    public init(inChannels: Int = 3, features f: Int = 64, inputSize: Int = 128, seed: UInt64, name: String = "net_d") throws {
        guard inputSize == 128 || inputSize == 256 else {
            throw ModelError.invalidConfig("VGGStyleDiscriminator input_size must be 128 or 256, got \(inputSize)")
        }
        self.inputSize = inputSize
        parameters = ParameterList(seed: seed, name: name)
        let s = LayerScope(parameters)
        conv00 = ConvLayer(s["conv0_0"], in: inChannels, out: f, kernel: 3)
        var stages: [(ConvLayer, BatchNormLayer)] = [
            (ConvLayer(s["conv0_1"], in: f, out: f, kernel: 4, stride: 2, padding: 1, bias: false), BatchNormLayer(s["bn0_1"], channels: f))
        ]
        let widths = [2 * f, 4 * f, 8 * f, 8 * f] + (inputSize == 256 ? [8 * f] : [])
        var cin = f
        for (k, c) in widths.enumerated() {
            let i = k + 1
            stages.append((ConvLayer(s["conv\(i)_0"], in: cin, out: c, kernel: 3, bias: false), BatchNormLayer(s["bn\(i)_0"], channels: c)))
            stages.append((ConvLayer(s["conv\(i)_1"], in: c, out: c, kernel: 4, stride: 2, padding: 1, bias: false), BatchNormLayer(s["bn\(i)_1"], channels: c)))
            cin = c
        }
        self.stages = stages
        linear1 = LinearLayer(s["linear1"], in: 8 * f * 4 * 4, out: 100)
        linear2 = LinearLayer(s["linear2"], in: 100, out: 1)
    }

    public func forward(_ x: Variable) -> Variable {
        precondition(x.value.nchw.h == inputSize, "discriminator input must be \(inputSize) px high, got \(x.value.nchw.h)")
        var feat = leakyReLU(conv00(x), slope: 0.2)
        for (conv, bn) in stages { feat = leakyReLU(bn.train(conv(feat)), slope: 0.2) }
        let n = feat.value.nchw.n
        feat = reshaped(feat, [n, feat.value.count / n])
        return linear2(leakyReLU(linear1(feat), slope: 0.2))
    }
}
