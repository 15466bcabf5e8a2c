/// CRC-32 (IEEE 802.3 / ISO 3309, reflected polynomial 0xEDB88320): the checksum of zip entries and
/// of PNG chunks. The one implementation: SRModels' zip reader and writer and the banded PNG encoder use it.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? (0xEDB8_8320 ^ (c >> 1)) : (c >> 1) }
        return c
    }

    /// CRC-32 of `data`.
    public static func checksum(_ data: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in data { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
