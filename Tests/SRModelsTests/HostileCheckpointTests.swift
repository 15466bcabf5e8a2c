import Foundation
import Testing

@testable import SRModels
import TestSupport

/// Pickle opcodes for hand-made hostile inputs (see `pickletools` for the opcode table).
enum PickleBytes {
    static func str(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }  // SHORT_BINUNICODE
    static func int(_ v: Int) -> [UInt8] { [0x49] + Array("\(v)\n".utf8) }  // INT (text, any Int64)
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static let mark: [UInt8] = [0x28], tuple: [UInt8] = [0x74], setItem: [UInt8] = [0x73], reduce: [UInt8] = [0x52]
    static let persistentID: [UInt8] = [0x51], emptyDict: [UInt8] = [0x7D], emptyList: [UInt8] = [0x5D]
    static func pickle(_ body: [UInt8]) -> [UInt8] { [0x80, 0x02] + body + [0x2E] }

    /// A legacy (torch < 1.6) checkpoint: magic, protocol, sys info, the root dict, the storage keys,
    /// then each storage's element count and bytes. `tensors` are (name, storage key, storage element
    /// count, view (offset, size) or nil, tensor offset, shape, stride); storages hold float32 zeros.
    static func legacy(storages: [(key: String, elements: Int)],
                       tensors: [(name: String, key: String, numel: Int, view: (Int, Int)?, offset: Int, shape: [Int], stride: [Int])]) -> [UInt8] {
        var out = [0x80, 0x02, 0x8A, 0x0A] + TorchCheckpoint.legacyMagic + [0x2E]
        out += pickle([0x4D, 0xE9, 0x03])  // BININT2 1001
        out += pickle(emptyDict)
        var root = emptyDict
        for t in tensors {
            var pid = mark + str("storage") + global("torch", "FloatStorage") + str(t.key) + str("cpu") + int(t.numel)
            if let (off, size) = t.view { pid += mark + str(t.key + "v") + int(off) + int(size) + tuple }
            pid += tuple
            let ints = { (xs: [Int]) in mark + xs.flatMap { int($0) } + tuple }
            let hooks = global("collections", "OrderedDict") + mark + tuple + reduce  // OrderedDict()
            root += str(t.name) + global("torch._utils", "_rebuild_tensor_v2")
            root += mark + pid + persistentID + int(t.offset) + ints(t.shape) + ints(t.stride) + [0x89] + hooks + tuple
            root += reduce + setItem
        }
        out += pickle(root)
        out += pickle(mark + storages.flatMap { str($0.key) } + [0x6C])  // LIST
        for s in storages {
            withUnsafeBytes(of: UInt64(s.elements).littleEndian) { out += $0 }
            out += [UInt8](repeating: 0, count: s.elements * 4)
        }
        return out
    }
}

@Suite("Weights: hostile inputs are refused quickly, without traps or huge allocations")
struct HostileCheckpointTests {
    func load(_ bytes: [UInt8], _ name: String) throws -> Checkpoint {
        let dir = try TempDir("hostile")
        defer { dir.cleanup() }
        let u = dir.sub(name)
        try Data(bytes).write(to: u)
        return try loadCheckpoint(u)
    }

    func error(_ bytes: [UInt8], _ name: String) -> WeightError? {
        do { _ = try load(bytes, name); return nil } catch let e as WeightError { return e } catch {
            Issue.record("not a WeightError: \(error)")
            return nil
        }
    }

    @Test func wellFormedLegacyFileLoads() throws {
        let ck = try load(PickleBytes.legacy(storages: [("0", 6)],
                                             tensors: [("w", "0", 6, nil, 0, [2, 3], [3, 1])]), "ok.pth")
        #expect(ck.entries.map(\.name) == ["w"])
        #expect(ck.entries[0].tensor.shape == [2, 3])
    }

    @Test func storageViewOffsetPlusTensorOffsetOverflowIsRefused() throws {
        // A legacy storage view at element 1, and a tensor offset of Int.max: their sum overflowed.
        let b = PickleBytes.legacy(storages: [("0", 4)], tensors: [("w", "0", 4, (1, 2), Int.max, [1], [1])])
        let e = try #require(error(b, "overflow.pth"))
        guard case let .outOfBounds(path, tensor, problem) = e else { Issue.record("\(e)"); return }
        #expect(path.hasSuffix("overflow.pth") && tensor == "w")
        #expect(problem.contains("overflow"))
    }

    @Test func manyBroadcastTensorsAreRefusedByTheCheckpointBudget() throws {
        // 40 stride-0 views of one 1-element storage, 4096x4096 each (64 MB of float32 apiece):
        // each is allowed alone, together they would take 2.5 GB from a file of a few KB.
        let tensors = (0..<40).map { ("t\($0)", "0", 1, nil as (Int, Int)?, 0, [4096, 4096], [0, 0]) }
        let b = PickleBytes.legacy(storages: [("0", 1)], tensors: tensors)
        #expect(b.count < 8_000)
        let e = try #require(error(b, "stride0.pth"))
        guard case let .outOfBounds(_, tensor, problem) = e else { Issue.record("\(e)"); return }
        #expect(tensor == "t1", "the first view fits the budget, the second does not")
        #expect(problem.contains("total more than"))
    }

    @Test func zip64LocatorPointingPastTheFileIsRefused() throws {
        var b: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40)
        b += [0x50, 0x4B, 0x06, 0x07, 0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + [1, 0, 0, 0]  // locator -> 2^64-1
        b += [0x50, 0x4B, 0x05, 0x06] + [0, 0, 0, 0] + [0xFF, 0xFF, 0xFF, 0xFF] + [0xFF, 0xFF, 0xFF, 0xFF] + [0xFF, 0xFF, 0xFF, 0xFF] + [0, 0]
        let e = try #require(error(b, "zip64.pth"))
        #expect(e.description.contains("zip64.pth"))
    }

    @Test func deeplyNestedListsAreRefusedAtTheDepthLimit() throws {
        // 30,000 EMPTY_LISTs then 29,999 APPENDs: the nesting the unpickler refuses past 1,000.
        let n = 30_000
        let body = [UInt8](repeating: 0x5D, count: n) + [UInt8](repeating: 0x61, count: n - 1)
        var up = Unpickler(bytes: PickleBytes.pickle(body), path: "deep.pkl")
        do {
            _ = try up.load()
            Issue.record("a 30,000-deep pickle loaded")
        } catch let e as WeightError {
            #expect(e.description.contains("nest more than 1000 deep"))
        }
        // Tuples nest the same way (TUPLE1 over and over).
        var t = Unpickler(bytes: PickleBytes.pickle([0x4E] + [UInt8](repeating: 0x85, count: n)), path: "deep-tuple.pkl")
        #expect(throws: WeightError.self) { try t.load() }
    }

    @Test func nestingBuiltThroughTheMemoIsFreedWithoutRecursion() throws {
        // Each step appends a new list to the previous one, then fetches the new one back from the
        // memo, so the stack never holds more than two values while the nesting grows 200,000 deep
        // (the depth check sees each list when it is still empty). Freeing it recursed before.
        var body: [UInt8] = [0x5D, 0x71, 0x00]  // L0, memo 0
        for _ in 0..<200_000 { body += [0x5D, 0x71, 0x01, 0x61, 0x30, 0x68, 0x01] }  // ] q1 a POP h1
        body += [0x30, 0x68, 0x00]  // POP, push L0
        var up = Unpickler(bytes: PickleBytes.pickle(body), path: "memo-chain.pkl")
        var v: PickleValue? = try up.load()
        var depth = 0, cur = v
        while let c = cur, case let .list(l) = c { depth += 1; cur = l.items.first }
        #expect(depth == 200_001)
        cur = nil
        v = nil  // must not overflow the stack
        #expect(v == nil)
    }

    @Test func teardownOfMixedContainersIsIterative() {
        // 200,000 levels alternating tuple, dict, object and list, built directly.
        var v = PickleValue.none
        for i in 0..<200_000 {
            switch i % 4 {
            case 0: v = .tuple(PickleTuple([v]))
            case 1:
                let d = PickleDict()
                d.set(.string("k"), v)
                v = .dict(d)
            case 2:
                let o = PickleObject(type: "argparse.Namespace", args: [v])
                v = .object(o)
            default: v = .list(PickleList([v]))
            }
        }
        #expect(v.depth == 200_000)
        v = .none  // freed on a work list; recursion here would need tens of MB of stack
    }

    @Test func longDecimalLongIsRefusedQuickly() throws {
        // Text LONG with a million digits: quadratic conversion took minutes.
        let body = [0x4C] + [UInt8](repeating: UInt8(ascii: "7"), count: 1_000_000) + [0x0A]
        var up = Unpickler(bytes: [0x80, 0x02] + body + [0x2E], path: "long.pkl")
        let start = Date()
        #expect(throws: WeightError.self) { try up.load() }
        #expect(Date().timeIntervalSince(start) < 2)
        // Up to Python's own limit (4,300 digits) is still read, exactly.
        let digits = String(repeating: "9", count: 4_300)
        var ok = Unpickler(bytes: [0x80, 0x02, 0x4C] + Array((digits + "L\n").utf8) + [0x2E], path: "ok.pkl")
        guard case let .bigInt(mag) = try ok.load() else { Issue.record("not a big int"); return }
        #expect(mag.count >= 1786 && mag.count <= 1788)  // 4300 * log2(10) / 8 = 1785.3 bytes, plus sign
    }

    @Test func errorMessagesDoNotEchoHugeLines() throws {
        let body = [0x49] + [UInt8](repeating: UInt8(ascii: "x"), count: 100_000) + [0x0A]
        var up = Unpickler(bytes: PickleBytes.pickle(body), path: "int.pkl")
        do { _ = try up.load() } catch let e as WeightError {
            #expect(e.description.count < 300)
        }
    }
}
