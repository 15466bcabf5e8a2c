import Foundation
import Testing

@testable import SRModels

@Suite("Weights: safe unpickler on plain data, protocols 0-5")
struct WeightsPickleTests {
    struct Case: Decodable {
        let `protocol`: Int
        let hex: String
        let render: String
    }

    /// Mirrors `render` in Scripts/make_checkpoint_fixtures.py.
    static func render(_ v: PickleValue) -> String {
        func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
        switch v {
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .bigInt(b):
            var m = b  // minimal two's complement, as pickle.encode_long writes it
            while m.count > 1, (m[m.count - 1] == 0 && m[m.count - 2] < 0x80) || (m[m.count - 1] == 0xFF && m[m.count - 2] >= 0x80) {
                m.removeLast()
            }
            return "L" + hex(m)
        case let .float(d): return "\(d)"
        case let .string(s): return "s" + hex(Array(s.utf8))
        case let .bytes(b): return "b" + hex(b)
        case let .tuple(t): return "(" + t.items.map(render).joined(separator: ",") + ")"
        case let .list(l): return "[" + l.items.map(render).joined(separator: ",") + "]"
        case let .dict(d): return "{" + d.entries.map { render($0.key) + ":" + render($0.value) }.joined(separator: ",") + "}"
        default: return "?\(v.typeName)"
        }
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test func everyProtocolDecodesToTheSameValue() throws {
        let url = try WeightsFixtures.url("pickles.json")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        #expect(cases.count == 6)
        for c in cases {
            var up = Unpickler(bytes: Self.bytes(c.hex), path: "p\(c.protocol).pkl")
            let v = try up.load()
            #expect(Self.render(v) == c.render, "protocol \(c.protocol)")
        }
    }

    @Test func noPersistentLoadOutsideACheckpoint() {
        // BINPERSID on a string: ('x' Q .)
        var up = Unpickler(bytes: [0x80, 0x02, 0x55, 0x01, 0x78, 0x51, 0x2E], path: "p.pkl")
        #expect(throws: WeightError.self) { try up.load() }
    }

    @Test func stackAndMemoAbuseIsAnError() {
        for bytes: [UInt8] in [
            [0x80, 0x02, 0x2E],  // STOP on an empty stack
            [0x80, 0x02, 0x68, 0x05, 0x2E],  // BINGET of an unset memo slot
            [0x80, 0x02, 0x28, 0x30, 0x2E],  // POP across a MARK
            [0x80, 0x02, 0x4E, 0x61, 0x2E],  // APPEND to None
            [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F],  // BINUNICODE longer than the data
            [0x80, 0x02, 0x4E],  // no STOP
            [0x80, 0x02, 0x4E, 0x4E, 0x52, 0x2E],  // REDUCE with None as the callable
        ] {
            var up = Unpickler(bytes: bytes, path: "p.pkl")
            #expect(throws: WeightError.self) { try up.load() }
        }
    }

    @Test func decimalLongs() {
        #expect(Self.render(Unpickler.decimalLong("1180591620717411303424")!) == "L000000000000000040")
        #expect(Self.render(Unpickler.decimalLong("-36893488147419103239")!) == "Lf9fffffffffffffffd")
        #expect(Self.render(Unpickler.decimalLong("-5")!) == "-5")
        #expect(Unpickler.decimalLong("12a") == nil)
    }
}
