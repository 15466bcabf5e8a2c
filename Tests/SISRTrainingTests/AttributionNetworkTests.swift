import Foundation
import SISRCore
import SISRTraining
import SRModels
import Testing

/// Gradients of the ops the CNN baseline adds (2x2 average pooling, softmax cross-entropy) and of the
/// whole attribution network, against central finite differences in Double of the same forward pass.
@Suite struct AttributionNetworkTests {
    /// Pseudo-random values in [-1, 1] from the project's seeded stream.
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed, "test")
        return (0..<n).map { _ in Float(rng.nextDouble() * 2 - 1) }
    }

    /// `d loss / d x` by central differences of step `h`, loss evaluated by `f` on perturbed inputs.
    static func numericGradient(_ x: [Float], h: Float, _ f: ([Float]) -> Double) -> [Double] {
        x.indices.map { i in
            var up = x, down = x
            up[i] += h
            down[i] -= h
            return (f(up) - f(down)) / Double(up[i] - down[i])
        }
    }

    static func expectGradient(_ analytic: [Float], _ numeric: [Double], tol: Double, _ what: String) {
        #expect(analytic.count == numeric.count)
        let scale = max(numeric.map(abs).max() ?? 0, 1e-6)
        let err = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(err <= tol * scale, "\(what): max gradient error \(err), scale \(scale)")
    }

    @Test func avgPoolForwardAndGradient() throws {
        let shape = [2, 3, 5, 4]  // odd height: the last row is dropped, as tf.nn.avg_pool VALID
        let x0 = Self.values(shape.reduce(1, *), seed: 1)
        let weights = Self.values(2 * 3 * 2 * 2, seed: 2)
        func loss(_ x: [Float]) -> (Variable, Variable) {
            let v = Variable(Tensor(shape: shape, data: x), requiresGrad: true)
            let y = avgPool2x2(v)
            let w = Variable(Tensor(shape: y.shape, data: weights))
            return (v, mseLoss(y, w))
        }
        let (v, l) = loss(x0)
        #expect(avgPool2x2(Variable(Tensor(shape: shape, data: x0))).shape == [2, 3, 2, 2])
        // y[0,0,0,0] is the mean of x[0,0,0..1,0..1].
        let y = avgPool2x2(Variable(Tensor(shape: shape, data: x0))).value.data
        #expect(abs(y[0] - (x0[0] + x0[1] + x0[4] + x0[5]) / 4) < 1e-6)
        backward(l)
        let numeric = Self.numericGradient(x0, h: 1e-2) { Double(loss($0).1.value.data[0]) }
        Self.expectGradient(try #require(v.grad), numeric, tol: 1e-3, "avgPool2x2")
        // Rows and columns outside every window get no gradient.
        #expect(v.grad![16...19].allSatisfy { $0 == 0 })
    }

    @Test func softmaxCrossEntropyValueAndGradient() throws {
        let n = 3, k = 5
        let x0 = Self.values(n * k, seed: 3).map { $0 * 4 }
        let labels = [4, 0, 2]
        func loss(_ x: [Float]) -> (Variable, Variable) {
            let v = Variable(Tensor(shape: [n, k], data: x), requiresGrad: true)
            return (v, softmaxCrossEntropy(v, labels: labels))
        }
        // Reference value in Double with Foundation (independent of the engine's exp/log).
        var reference = 0.0
        for r in 0..<n {
            let row = x0[(r * k)..<((r + 1) * k)].map(Double.init)
            reference += Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +)) - row[labels[r]]
        }
        reference /= Double(n)
        let (v, l) = loss(x0)
        #expect(abs(Double(l.value.data[0]) - reference) < 1e-5)
        backward(l)
        let numeric = Self.numericGradient(x0, h: 1e-2) { Double(loss($0).1.value.data[0]) }
        Self.expectGradient(try #require(v.grad), numeric, tol: 2e-3, "softmaxCrossEntropy")
        let probs = softmaxRows(v.value)
        #expect(probs.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-12 })
    }

    @Test func networkShapesAndInputGradient() throws {
        let net = try AttributionNetwork(classes: 3, patch: 8, fmapBase: 16, fmapMax: 4, seed: 7)
        // 8 px: one conv-conv-pool block (8x8 -> 4x4), then the 4x4 head.
        #expect(net.parameters.order == ["8x8.Conv0.weight", "8x8.Conv0.bias", "8x8.Conv1.weight", "8x8.Conv1.bias",
                                        "4x4.Conv0.weight", "4x4.Conv0.bias", "4x4.Dense1.weight", "4x4.Dense1.bias",
                                        "4x4.Dense2.weight", "4x4.Dense2.bias"])
        #expect(net.parameters.parameter("8x8.Conv0.weight")?.value.shape == [4, 3, 3, 3])
        #expect(net.parameters.parameter("4x4.Dense1.weight")?.value.shape == [4, 4 * 16])
        let shape = [2, 3, 8, 8]
        let x0 = Self.values(shape.reduce(1, *), seed: 9)
        func loss(_ x: [Float]) -> (Variable, Variable) {
            let v = Variable(Tensor(shape: shape, data: x), requiresGrad: true)
            return (v, softmaxCrossEntropy(net.forward(v), labels: [2, 0]))
        }
        let (v, l) = loss(x0)
        #expect(l.value.data[0].isFinite)
        backward(l)
        let numeric = Self.numericGradient(x0, h: 1e-2) { Double(loss($0).1.value.data[0]) }
        // 5% of the largest gradient: float32 forward passes and LeakyReLU kinks within the step blur
        // the differences; a wrong backward pass is off by far more.
        Self.expectGradient(try #require(v.grad), numeric, tol: 5e-2, "attribution network input")
        // A parameter deep in the network: the first convolution's bias.
        let bias = net.parameters.parameter("8x8.Conv0.bias")!
        let analytic = bias.grad
        let numericBias = Self.numericGradient(bias.value.data, h: 1e-2) { b in
            let saved = bias.value
            bias.value = Tensor(shape: saved.shape, data: b)
            defer { bias.value = saved }
            return Double(loss(x0).1.value.data[0])
        }
        Self.expectGradient(analytic, numericBias, tol: 5e-2, "8x8.Conv0.bias")
        // Every parameter received a finite gradient.
        for p in net.parameters.parameters { let finite = p.grad.allSatisfy { $0.isFinite }; #expect(finite, "\(p.key)") }
        #expect(net.parameters.parameter("4x4.Dense2.bias")!.grad.contains { $0 != 0 })
    }

    @Test func rejectsPatchesThatAreNotPowersOfTwo() throws {
        #expect(throws: ModelError.self) { _ = try AttributionNetwork(classes: 2, patch: 96, seed: 0) }
        #expect(throws: ModelError.self) { _ = try AttributionNetwork(classes: 2, patch: 4, seed: 0) }
    }
}
