import SRModels

/// A node of a reverse-mode autodiff graph: a tensor value, the gradient of the final scalar with
/// respect to it (filled by ``backward(_:)``), and how to pass that gradient on to the inputs.
///
/// The graph is built by running the forward pass with the differentiable ops of this module; each op
/// returns a new variable holding a closure that, given the variable's gradient, adds the input
/// gradients to its parents. ``backward(_:)`` visits the nodes in reverse topological order, so each
/// gradient is complete before it is propagated. Gradients are summed in a fixed order (consumers in
/// reverse creation order), so results do not depend on timing or threads.
public final class Variable {
    public let value: Tensor
    /// Whether any gradient flows into this node.
    public let requiresGrad: Bool
    /// The accumulated gradient, the shape of `value` (nil until something flows in).
    public internal(set) var grad: [Float]?
    let parents: [Variable]
    var backwardFn: ((_ grad: [Float]) -> Void)?
    /// Set on parameter leaves: receives the gradient at the end of the backward pass.
    let sink: Parameter?

    /// A leaf holding data; with `requiresGrad`, its gradient is kept in ``grad`` after ``backward(_:)``.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        parents = []
        sink = nil
    }

    init(leaf value: Tensor, parameter: Parameter?) {
        self.value = value
        requiresGrad = parameter?.requiresGrad ?? false
        parents = []
        sink = requiresGrad ? parameter : nil
    }

    /// An op result. `backward` receives this node's gradient and must call ``accumulate(_:)`` on the
    /// parents that require a gradient.
    init(_ value: Tensor, parents: [Variable], backward: @escaping ([Float]) -> Void) {
        self.value = value
        self.parents = parents
        sink = nil
        requiresGrad = parents.contains { $0.requiresGrad }
        backwardFn = requiresGrad ? backward : nil
    }

    public var shape: [Int] { value.shape }

    /// A leaf with the same value that blocks gradients (PyTorch `detach()`).
    public func detached() -> Variable { Variable(value) }

    /// Adds `g` to the gradient (no-op when no gradient is needed).
    func accumulate(_ g: [Float]) {
        guard requiresGrad else { return }
        precondition(g.count == value.count, "gradient of \(g.count) values for shape \(value.shape)")
        if grad == nil {
            grad = g
            return
        }
        grad!.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { s in
                for i in d.indices { d[i] += s[i] }
            }
        }
    }
}

/// Back-propagates from the scalar `loss` (gradient 1): every parameter leaf reached adds its gradient
/// to its ``Parameter/grad``. The graph's closures are released afterwards.
public func backward(_ loss: Variable) {
    precondition(loss.value.count == 1, "backward needs a scalar loss, got shape \(loss.value.shape)")
    guard loss.requiresGrad else { return }
    // Iterative post-order DFS -> topological order (parents before children).
    var order: [Variable] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Variable, Bool)] = [(loss, false)]
    while let (v, expanded) = stack.popLast() {
        if expanded {
            order.append(v)
            continue
        }
        let id = ObjectIdentifier(v)
        if visited.contains(id) { continue }
        visited.insert(id)
        stack.append((v, true))
        for p in v.parents.reversed() where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
            stack.append((p, false))
        }
    }
    loss.grad = [1]
    for v in order.reversed() {
        guard let g = v.grad else { continue }
        if let fn = v.backwardFn {
            fn(g)
            v.backwardFn = nil
        }
        if let p = v.sink { p.addGradient(g) }
        if !v.parents.isEmpty || v.sink != nil { v.grad = nil }
    }
}
