import SISREngine
/// Element types found in checkpoints. Names follow safetensors (`F32`, `BF16`, ...).
public enum WeightDType: String, Sendable, CaseIterable, Codable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// True for floating-point types (converted to float32 losslessly or by rounding, for f64).
    public var isFloatingPoint: Bool { self == .f64 || self == .f32 || self == .f16 || self == .bf16 }

    /// The dtype of a PyTorch legacy storage class name such as `FloatStorage`.
    init?(torchStorage name: String) {
        switch name {
        case "FloatStorage": self = .f32
        case "DoubleStorage": self = .f64
        case "HalfStorage": self = .f16
        case "BFloat16Storage": self = .bf16
        case "LongStorage": self = .i64
        case "IntStorage": self = .i32
        case "ShortStorage": self = .i16
        case "CharStorage": self = .i8
        case "ByteStorage": self = .u8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// Decodes element `i` of a little-endian (or, with `swap`, big-endian) buffer to Float.
    @inline(__always)
    func decode(_ p: UnsafeRawBufferPointer, _ i: Int, swap: Bool) -> Float {
        switch self {
        case .f32:
            let u = p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            return Float(bitPattern: swap ? u.byteSwapped : u)
        case .f64:
            let u = p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            return Float(Double(bitPattern: swap ? u.byteSwapped : u))
        case .f16:
            let u = p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            return halfToFloat(swap ? u.byteSwapped : u)
        case .bf16:
            let u = p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            return Float(bitPattern: UInt32(swap ? u.byteSwapped : u) << 16)
        case .i64:
            let u = p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            return Float(Int64(bitPattern: swap ? u.byteSwapped : u))
        case .u64:
            let u = p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            return Float(swap ? u.byteSwapped : u)
        case .i32:
            let u = p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            return Float(Int32(bitPattern: swap ? u.byteSwapped : u))
        case .u32:
            let u = p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            return Float(swap ? u.byteSwapped : u)
        case .i16:
            let u = p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            return Float(Int16(bitPattern: swap ? u.byteSwapped : u))
        case .u16:
            let u = p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            return Float(swap ? u.byteSwapped : u)
        case .i8: return Float(Int8(bitPattern: p[i]))
        case .u8: return Float(p[i])
        case .bool: return p[i] != 0 ? 1 : 0
        }
    }
}

extension WeightDType {
    /// Decodes `count` consecutive elements starting at element `from` (a plain copy for
    /// little-endian float32 on a little-endian host).
    func decodeRun(_ p: UnsafeRawBufferPointer, from: Int, count: Int, swap: Bool, into out: UnsafeMutablePointer<Float>) {
        if self == .f32 && !swap && UInt32(1).littleEndian == 1 {
            UnsafeMutableRawPointer(out).copyMemory(from: p.baseAddress! + from * 4, byteCount: count * 4)
            return
        }
        for i in 0..<count { out[i] = decode(p, from + i, swap: swap) }
    }
}

/// IEEE binary16 -> binary32, exact for every input (subnormals, infinities, NaN payloads).
@inline(__always)
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = UInt32(h >> 10) & 0x1F
    let man = UInt32(h & 0x3FF)
    if exp == 0 {
        let v = Float(man) * 0x1p-24
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
    return Float(bitPattern: sign | ((exp + 112) << 23) | (man << 13))
}
