import SISREngine
/// A safe pickle interpreter for PyTorch checkpoints (protocols 0-5, the opcodes a state dict
/// needs). It never executes anything: GLOBALs are checked against `PickleGlobal`'s allowlist and
/// REDUCE/NEWOBJ/BUILD only build data. Unknown opcodes and disallowed globals throw.
struct Unpickler {
    typealias PersistentLoad = (PickleValue) throws -> PickleValue

    private var c: ByteCursor
    private let extraGlobals: Set<String>
    private let persistentLoad: PersistentLoad?
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// - Parameters:
    ///   - bytes/start/end: the pickle lies in `bytes[start..<end]`; reading stops at STOP.
    ///   - persistentLoad: resolves BINPERSID/PERSID ids (storages); nil refuses them.
    init(bytes: [UInt8], start: Int = 0, end: Int? = nil, path: String,
         extraGlobals: Set<String> = [], persistentLoad: PersistentLoad? = nil) {
        c = ByteCursor(bytes, from: start, to: end, path: path)
        self.extraGlobals = extraGlobals
        self.persistentLoad = persistentLoad
    }

    /// The cursor position after `load()`: where a following pickle (legacy format) begins.
    var position: Int { c.pos }
    private var path: String { c.path }

    private func corrupt(_ problem: String) -> WeightError {
        .corrupt(path: path, problem: "pickle: \(problem)")
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) || (marks.isEmpty && !stack.isEmpty) else {
            throw corrupt("stack underflow at byte \(c.pos)")
        }
        return stack.removeLast()
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw corrupt("missing MARK at byte \(c.pos)") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private func top() throws -> PickleValue {
        guard let t = stack.last, stack.count > (marks.last ?? 0) else { throw corrupt("empty stack at byte \(c.pos)") }
        return t
    }

    /// Runs the pickle to its STOP opcode and returns the result.
    mutating func load() throws -> PickleValue {
        while true {
            let at = c.pos
            let op = try c.u8("pickle opcode")
            switch op {
            case 0x80: _ = try c.u8("protocol")  // PROTO
            case 0x95: _ = try c.uintLE(8, "frame length")  // FRAME
            case 0x2E:  // STOP
                let v = try pop()
                return v
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x8F: stack.append(.list(PickleList()))  // EMPTY_SET
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86:  // TUPLE2
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))
            case 0x87:  // TUPLE3
                let z = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, z]))
            case 0x6C: stack.append(.list(PickleList(try popMark())))  // LIST
            case 0x91: stack.append(.list(PickleList(try popMark())))  // FROZENSET
            case 0x64:  // DICT
                let items = try popMark()
                guard items.count % 2 == 0 else { throw corrupt("odd item count for DICT") }
                let d = PickleDict()
                for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i], items[i + 1]) }
                stack.append(.dict(d))
            case 0x61: try append([try pop()])  // APPEND
            case 0x65, 0x90: try append(try popMark())  // APPENDS, ADDITEMS
            case 0x73:  // SETITEM
                let v = try pop(), k = try pop()
                try setItems([k, v])
            case 0x75: try setItems(try popMark())  // SETITEMS
            case 0x4A: stack.append(.int(Int(Int32(bitPattern: UInt32(try c.uintLE(4))))))  // BININT
            case 0x4B: stack.append(.int(Int(try c.u8())))  // BININT1
            case 0x4D: stack.append(.int(Int(try c.uintLE(2))))  // BININT2
            case 0x8A: stack.append(Self.long(Array(try c.take(Int(try c.u8()), "LONG1"))))  // LONG1
            case 0x8B:  // LONG4
                let n = Int(Int32(bitPattern: UInt32(try c.uintLE(4))))
                stack.append(Self.long(Array(try c.take(n, "LONG4"))))
            case 0x47:  // BINFLOAT (big-endian)
                let b = try c.take(8, "BINFLOAT")
                stack.append(.float(Double(bitPattern: b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x58: stack.append(.string(try utf8(Int(try c.uintLE(4)))))  // BINUNICODE
            case 0x8C: stack.append(.string(try utf8(Int(try c.u8()))))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try utf8(try length8())))  // BINUNICODE8
            case 0x55: stack.append(.string(Self.latin1(try c.take(Int(try c.u8()), "string"))))  // SHORT_BINSTRING
            case 0x54:  // BINSTRING
                let n = Int(Int32(bitPattern: UInt32(try c.uintLE(4))))
                stack.append(.string(Self.latin1(try c.take(n, "string"))))
            case 0x43: stack.append(.bytes(Array(try c.take(Int(try c.u8()), "bytes"))))  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try c.take(Int(try c.uintLE(4)), "bytes"))))  // BINBYTES
            case 0x8E: stack.append(.bytes(Array(try c.take(try length8(), "bytes"))))  // BINBYTES8
            case 0x71: memo[Int(try c.u8())] = try top()  // BINPUT
            case 0x72: memo[Int(try c.uintLE(4))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x70: memo[try textInt("PUT")] = try top()  // PUT (text)
            case 0x67: stack.append(try memoGet(try textInt("GET")))  // GET (text)
            case 0x68: stack.append(try memoGet(Int(try c.u8())))  // BINGET
            case 0x6A: stack.append(try memoGet(Int(try c.uintLE(4))))  // LONG_BINGET
            case 0x63:  // GLOBAL
                let module = Self.latin1(try c.line("GLOBAL module")), name = Self.latin1(try c.line("GLOBAL name"))
                stack.append(try global(module, name))
            case 0x93:  // STACK_GLOBAL
                guard let name = try pop().asString, let module = try pop().asString else {
                    throw corrupt("STACK_GLOBAL needs two strings")
                }
                stack.append(try global(module, name))
            case 0x52:  // REDUCE
                let args = try pop(), fn = try pop()
                guard let a = args.asSequence else { throw corrupt("REDUCE arguments are not a tuple") }
                stack.append(try reduce(fn, a))
            case 0x81:  // NEWOBJ
                let args = try pop(), cls = try pop()
                stack.append(try newObject(cls, args.asSequence ?? []))
            case 0x92:  // NEWOBJ_EX
                _ = try pop()
                let args = try pop(), cls = try pop()
                stack.append(try newObject(cls, args.asSequence ?? []))
            case 0x62:  // BUILD
                let state = try pop()
                if case let .object(o) = try top() { o.state = state }
                // Ordered dicts (state = _metadata), tensors and others: state is accepted and ignored.
            case 0x51:  // BINPERSID
                stack.append(try persistent(try pop()))
            case 0x50: stack.append(try persistent(.string(Self.latin1(try c.line("PERSID")))))  // PERSID
            case 0x49:  // INT (text)
                let s = Self.latin1(try c.line("INT"))
                if s == "01" { stack.append(.bool(true)) } else if s == "00" { stack.append(.bool(false)) } else {
                    guard let v = Int(s) else { throw corrupt("bad INT '\(s)'") }
                    stack.append(.int(v))
                }
            case 0x4C:  // LONG (text)
                var s = Self.latin1(try c.line("LONG"))
                if s.hasSuffix("L") { s.removeLast() }
                guard let v = Self.decimalLong(s) else { throw corrupt("bad LONG '\(s)'") }
                stack.append(v)
            case 0x46:  // FLOAT (text)
                let s = Self.latin1(try c.line("FLOAT"))
                guard let v = Double(s) else { throw corrupt("bad FLOAT '\(s)'") }
                stack.append(.float(v))
            case 0x53:  // STRING (text, quoted repr; escapes beyond quotes are kept verbatim)
                var s = Self.latin1(try c.line("STRING"))
                if s.count >= 2, let f = s.first, f == "'" || f == "\"", s.last == f { s = String(s.dropFirst().dropLast()) }
                stack.append(.string(s))
            case 0x56:  // UNICODE
                guard let u = Self.rawUnicodeEscape(try c.line("UNICODE")) else { throw corrupt("bad escape in UNICODE") }
                stack.append(.string(u))
            default:
                throw WeightError.unknownOpcode(path: path, opcode: op, offset: at)
            }
        }
    }

    private mutating func length8() throws -> Int {
        let n = try c.uintLE(8, "length")
        guard n <= UInt64(c.remaining) else { throw WeightError.truncated(path: path, what: "pickle string") }
        return Int(n)
    }

    private mutating func utf8(_ n: Int) throws -> String {
        String(decoding: try c.take(n, "pickle string"), as: UTF8.self)
    }

    private mutating func textInt(_ what: String) throws -> Int {
        guard let v = Int(Self.latin1(try c.line(what))), v >= 0 else { throw corrupt("bad \(what) index") }
        return v
    }

    private func memoGet(_ i: Int) throws -> PickleValue {
        guard let v = memo[i] else { throw corrupt("memo key \(i) used before it was set") }
        return v
    }

    static func latin1(_ b: ArraySlice<UInt8>) -> String {
        String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) }))
    }

    /// Protocol-0 UNICODE: latin-1 bytes with `\\uXXXX` and `\\UXXXXXXXX` escapes (raw-unicode-escape).
    static func rawUnicodeEscape(_ b: ArraySlice<UInt8>) -> String? {
        var out = String.UnicodeScalarView()
        var i = b.startIndex
        while i < b.endIndex {
            let ch = b[i]
            if ch == UInt8(ascii: "\\"), i + 1 < b.endIndex, b[i + 1] == UInt8(ascii: "u") || b[i + 1] == UInt8(ascii: "U") {
                let n = b[i + 1] == UInt8(ascii: "u") ? 4 : 8
                guard i + 2 + n <= b.endIndex, let v = UInt32(latin1(b[(i + 2)..<(i + 2 + n)]), radix: 16),
                    let u = Unicode.Scalar(v)
                else { return nil }
                out.append(u)
                i += 2 + n
            } else {
                out.append(Unicode.Scalar(ch))
                i += 1
            }
        }
        return String(out)
    }

    /// A decimal integer of any size as `.int` or, when wider than 64 bits, `.bigInt`.
    static func decimalLong(_ s: String) -> PickleValue? {
        if let v = Int(s) { return .int(v) }
        var digits = Substring(s)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        var mag: [UInt8] = [0]  // little-endian magnitude
        for d in digits.utf8 {
            var carry = Int(d - 48)
            for k in mag.indices {
                let v = Int(mag[k]) * 10 + carry
                mag[k] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            while carry > 0 { mag.append(UInt8(carry & 0xFF)); carry >>= 8 }
        }
        mag.append(0)  // room for the sign bit
        if negative {  // two's complement
            var carry = 1
            for k in mag.indices {
                let v = Int(~mag[k]) + carry
                mag[k] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        return .bigInt(mag)
    }

    /// LONG1/LONG4 payload: little-endian two's complement.
    static func long(_ b: [UInt8]) -> PickleValue {
        if b.isEmpty { return .int(0) }
        guard b.count <= 8 else { return .bigInt(b) }
        var v = ByteCursor.uintLE(b, at: 0, count: b.count)
        if b.count < 8, b.last! & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(b.count)) }
        return .int(Int(Int64(bitPattern: v)))
    }

    private func global(_ module: String, _ name: String) throws -> PickleValue {
        guard PickleGlobal.classify(module: module, name: name, extra: extraGlobals) != nil else {
            throw WeightError.disallowedGlobal(path: path, global: "\(module).\(name)")
        }
        return .global(module: module, name: name)
    }

    private mutating func append(_ items: [PickleValue]) throws {
        switch try top() {
        case let .list(l): l.items.append(contentsOf: items)
        case let .object(o): o.items.items.append(contentsOf: items)
        default: throw corrupt("APPEND to a \(try top().typeName)")
        }
    }

    private mutating func setItems(_ kv: [PickleValue]) throws {
        guard kv.count % 2 == 0 else { throw corrupt("odd item count for SETITEMS") }
        let d: PickleDict
        switch try top() {
        case let .dict(x): d = x
        case let .object(o): d = o.dict
        default: throw corrupt("SETITEM on a \(try top().typeName)")
        }
        for i in stride(from: 0, to: kv.count, by: 2) { d.set(kv[i], kv[i + 1]) }
    }

    private func persistent(_ pid: PickleValue) throws -> PickleValue {
        guard let load = persistentLoad else {
            throw WeightError.unsupported(path: path, problem: "pickle has a persistent id outside a torch checkpoint")
        }
        return try load(pid)
    }

    private func kind(_ fn: PickleValue) throws -> (PickleGlobal, String) {
        guard case let .global(m, n) = fn, let g = PickleGlobal.classify(module: m, name: n, extra: extraGlobals) else {
            throw corrupt("a \(fn.typeName) value is used as a callable")
        }
        return (g, "\(m).\(n)")
    }

    private func newObject(_ cls: PickleValue, _ args: [PickleValue]) throws -> PickleValue {
        let (g, name) = try kind(cls)
        switch g {
        case .orderedDict, .dict: return .dict(PickleDict())
        case .list, .set: return .list(PickleList())
        default: return .object(PickleObject(type: name, args: args))
        }
    }

    private func reduce(_ fn: PickleValue, _ a: [PickleValue]) throws -> PickleValue {
        let (g, name) = try kind(fn)
        switch g {
        case .orderedDict, .dict:
            let d = PickleDict()
            for pair in a.first.flatMap({ $0.asSequence }) ?? [] {
                if let kv = pair.asSequence, kv.count == 2 { d.set(kv[0], kv[1]) }
            }
            return .dict(d)
        case .list, .set: return .list(PickleList(a.first?.asSequence ?? []))
        case .torchSize: return .tuple(a.first?.asSequence ?? [])
        case .codecsEncode:
            guard let s = a.first?.asString else { throw corrupt("_codecs.encode without a string") }
            let enc = (a.count > 1 ? a[1].asString : nil)?.lowercased() ?? "utf-8"
            if enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1" {
                guard s.unicodeScalars.allSatisfy({ $0.value < 256 }) else { throw corrupt("_codecs.encode: not latin-1") }
                return .bytes(s.unicodeScalars.map { UInt8($0.value) })
            }
            return .bytes(Array(s.utf8))
        case .rebuildParameter:
            guard let t = a.first, case .tensor = t else { throw corrupt("\(name) without a tensor") }
            return t
        case .rebuildTensorV2, .rebuildTensor:
            guard a.count >= 4, case let .storage(s) = a[0], let off = a[1].asInt,
                let size = a[2].asSequence?.map(\.asInt), let stride = a[3].asSequence?.map(\.asInt),
                size.count == stride.count, !size.contains(nil), !stride.contains(nil)
            else { throw corrupt("malformed arguments to \(name)") }
            return .tensor(TensorRef(storage: s, offset: off, shape: size.map { $0! }, stride: stride.map { $0! }))
        case .storageType: throw corrupt("a storage type is called")
        case .opaque: return .object(PickleObject(type: name, args: a))
        }
    }
}
